// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Testing

@Suite struct InterfacePatternTests {
    @Test(arguments: [
        ("cali*", "cali1a2b3c", true), ("cali*", "cali", true), ("cali*", "eth0", false), ("veth?", "veth0", true),
        ("veth?", "veth10", false), ("eth0", "eth0", true), ("eth0", "eth01", false), ("*", "lo", true),
        ("l*x*", "lxc_health", true), ("l*x*", "lo", false), ("*0", "veth10", true), ("a*b*c", "aXbYbZc", true),
    ])
    func matches(pattern: String, name: String, expected: Bool) {
        #expect(InterfacePattern(pattern)!.matches(name) == expected)
    }

    @Test func emptyIsRejected() {
        #expect(InterfacePattern("") == nil)
    }
}

@Suite struct WorkloadTrackerTests {
    static let cali = KernelLink(index: 5, name: "cali1a2b", kind: "veth")
    static let eth = KernelLink(index: 2, name: "eth0")
    static let rules = WorkloadTracker.Rules(
        interfaces: [InterfacePattern("cali*")!], protocols: [42], ownedBlocks: [IPPrefix("10.65.0.0/26")!],
        ipvlanSubnets: [(InterfacePattern("ipvl*")!, [IPPrefix("10.70.0.0/24")!])])

    static func host(_ text: String, dev: UInt32, proto: UInt8 = 3, table: UInt32 = 254) -> KernelRoute {
        KernelRoute(
            prefix: IPPrefix(text)!, nextHops: [KernelNextHop(gateway: nil, interfaceIndex: dev)], table: table,
            protocolNumber: proto)
    }

    @Test func addressesOnMatchingInterfacesAreWorkloads() {
        let svc = KernelLink(index: 9, name: "kube-ipvs0", kind: "veth")
        let rules = WorkloadTracker.Rules(addressInterfaces: [InterfacePattern("kube-ipvs*")!], ownedBlocks: [IPPrefix("10.65.0.0/26")!])
        var t = WorkloadTracker(rules: rules)
        let service = KernelAddress(interfaceIndex: 9, address: IPAddress("10.96.0.10")!, prefixLength: 32)
        let prefix = IPPrefix("10.96.0.10/32")!
        #expect(t.handle([.link(svc), .address(service)]) == [.originate(prefix)])
        #expect(t.status(of: prefix) == .address(interface: "kube-ipvs0"))
        // Down, up, removed.
        var down = svc
        down.isUp = false
        #expect(t.handle(.link(down)) == [.withdraw(prefix)])
        #expect(t.handle(.link(svc)) == [.originate(prefix)])
        #expect(t.handle(.addressRemoved(service)) == [.withdraw(prefix)])
        #expect(t.status(of: prefix) == .unknown)
        // A link deleted takes its addresses (the kernel's own RTM_DELADDR may come later or not at all).
        _ = t.handle(.address(service))
        #expect(t.handle(.linkRemoved(index: 9)) == [.withdraw(prefix)])
        // Link-local scope, other interfaces and owned blocks are not announced.
        _ = t.handle(.link(svc))
        let linkLocal = KernelAddress(interfaceIndex: 9, address: IPAddress("fe80::1")!, prefixLength: 64, scope: 253)
        #expect(t.handle(.address(linkLocal)) == [])
        #expect(t.handle([.link(Self.eth), .address(KernelAddress(interfaceIndex: 2, address: IPAddress("192.0.2.1")!, prefixLength: 24))]) == [])
        #expect(t.status(of: IPPrefix("192.0.2.1/32")!) == .notMatched)
        let owned = KernelAddress(interfaceIndex: 9, address: IPAddress("10.65.0.3")!, prefixLength: 32)
        #expect(t.handle(.address(owned)) == [])
        #expect(t.status(of: IPPrefix("10.65.0.3/32")!) == .suppressed(block: IPPrefix("10.65.0.0/26")!))
    }

    @Test func anAddressAndARouteForOnePrefixAreIndependent() {
        let rules = WorkloadTracker.Rules(interfaces: [InterfacePattern("cali*")!], addressInterfaces: [InterfacePattern("cali*")!])
        var t = WorkloadTracker(rules: rules)
        let prefix = IPPrefix("10.64.9.9/32")!
        let address = KernelAddress(interfaceIndex: 5, address: IPAddress("10.64.9.9")!, prefixLength: 32)
        _ = t.handle(.link(Self.cali))
        #expect(t.handle([.route(Self.host("10.64.9.9/32", dev: 5)), .address(address)]) == [.originate(prefix)])
        // The route goes; the address still holds it.
        #expect(t.handle(.routeRemoved(Self.host("10.64.9.9/32", dev: 5))) == [])
        #expect(t.status(of: prefix) == .address(interface: "cali1a2b"))
        #expect(t.handle(.addressRemoved(address)) == [.withdraw(prefix)])
    }

    @Test func aHostRouteOnAMatchingLinkIsOriginatedAndWithdrawnWithIt() {
        var t = WorkloadTracker(rules: Self.rules)
        #expect(t.handle(.link(Self.cali)) == [])
        #expect(t.handle(.route(Self.host("10.64.1.7/32", dev: 5))) == [.originate(IPPrefix("10.64.1.7/32")!)])
        #expect(t.status(of: IPPrefix("10.64.1.7/32")!) == .workload(interface: "cali1a2b", protocolNumber: 3))
        #expect(t.handle(.routeRemoved(Self.host("10.64.1.7/32", dev: 5))) == [.withdraw(IPPrefix("10.64.1.7/32")!)])
        #expect(t.originated.isEmpty)
    }

    @Test func routeBeforeLinkIsPickedUpWhenTheLinkArrives() {
        var t = WorkloadTracker(rules: Self.rules)
        #expect(t.handle(.route(Self.host("10.64.1.8/32", dev: 5))) == [])
        #expect(t.status(of: IPPrefix("10.64.1.8/32")!) == .notMatched)
        #expect(t.handle(.link(Self.cali)) == [.originate(IPPrefix("10.64.1.8/32")!)])
    }

    @Test func linkRemovalAndLinkDownWithdrawWithoutARouteEvent() {
        var t = WorkloadTracker(rules: Self.rules)
        _ = t.handle(.link(Self.cali))
        _ = t.handle(.route(Self.host("10.64.1.9/32", dev: 5)))
        var down = Self.cali
        down.isUp = false
        #expect(t.handle(.link(down)) == [.withdraw(IPPrefix("10.64.1.9/32")!)])
        #expect(t.handle(.link(Self.cali)) == [.originate(IPPrefix("10.64.1.9/32")!)])
        #expect(t.handle(.linkRemoved(index: 5)) == [.withdraw(IPPrefix("10.64.1.9/32")!)])
        #expect(t.status(of: IPPrefix("10.64.1.9/32")!) == .unknown)
        // The index is reused by a new link with a matching name: the old route must not come back.
        #expect(t.handle(.link(Self.cali)) == [])
    }

    @Test func nonMatchingOwnOtherTableAndNonHostRoutesAreIgnored() {
        var t = WorkloadTracker(rules: Self.rules)
        _ = t.handle(.link(Self.cali))
        _ = t.handle(.link(Self.eth))
        #expect(t.handle(.route(Self.host("10.64.2.1/32", dev: 2))) == [])
        #expect(t.handle(.route(Self.host("10.64.2.2/32", dev: 5, proto: 186))) == [])
        #expect(t.handle(.route(Self.host("10.64.2.3/32", dev: 5, table: 100))) == [])
        #expect(t.handle(.route(Self.host("10.64.2.0/24", dev: 5))) == [])
        #expect(t.originated.isEmpty)
    }

    @Test func aWatchedProtocolNumberMatchesOnAnyInterface() {
        var t = WorkloadTracker(rules: Self.rules)
        _ = t.handle(.link(Self.eth))
        #expect(t.handle(.route(Self.host("2001:db8::7/128", dev: 2, proto: 42))) == [.originate(IPPrefix("2001:db8::7/128")!)])
    }

    @Test func ownedBlockSuppressesCoveredHostRoutesButNotBorrowedOnes() {
        var t = WorkloadTracker(rules: Self.rules)
        _ = t.handle(.link(Self.cali))
        #expect(t.handle(.route(Self.host("10.65.0.5/32", dev: 5))) == [])
        #expect(t.status(of: IPPrefix("10.65.0.5/32")!) == .suppressed(block: IPPrefix("10.65.0.0/26")!))
        #expect(t.handle(.route(Self.host("10.65.0.70/32", dev: 5))) == [.originate(IPPrefix("10.65.0.70/32")!)])
    }

    @Test func twoRoutesForOnePrefixKeepItUntilBothAreGone() {
        var t = WorkloadTracker(rules: Self.rules)
        _ = t.handle(.link(Self.cali))
        var second = Self.host("10.64.3.1/32", dev: 5)
        second.metric = 100
        #expect(t.handle(.route(Self.host("10.64.3.1/32", dev: 5))) == [.originate(IPPrefix("10.64.3.1/32")!)])
        #expect(t.handle(.route(second)) == [])
        #expect(t.handle(.routeRemoved(Self.host("10.64.3.1/32", dev: 5))) == [])
        #expect(t.handle(.routeRemoved(second)) == [.withdraw(IPPrefix("10.64.3.1/32")!)])
    }

    @Test func ipvlanL3LinkOriginatesItsSubnetsWhileUp() {
        var t = WorkloadTracker(rules: Self.rules)
        let subnet = IPPrefix("10.70.0.0/24")!
        #expect(t.handle(.link(KernelLink(index: 9, name: "ipvl0", kind: "ipvlan", ipvlanMode: .l2))) == [])
        #expect(t.handle(.link(KernelLink(index: 9, name: "ipvl0", kind: "ipvlan", ipvlanMode: .l3))) == [.originate(subnet)])
        #expect(t.status(of: subnet) == .ipvlanSubnet(interface: "ipvl0"))
        #expect(t.handle(.link(KernelLink(index: 9, name: "ipvl0", kind: "ipvlan", ipvlanMode: .l3, isUp: false))) == [.withdraw(subnet)])
        _ = t.handle(.link(KernelLink(index: 9, name: "ipvl0", kind: "ipvlan", ipvlanMode: .l3)))
        #expect(t.handle(.linkRemoved(index: 9)) == [.withdraw(subnet)])
    }
}

@Suite struct WorkloadTrackerBatchTests {
    @Test func aWorkloadThatComesAndGoesInOneBatchChangesNothing() {
        var t = WorkloadTracker(rules: WorkloadTrackerTests.rules)
        let route = WorkloadTrackerTests.host("10.64.9.1/32", dev: 5)
        #expect(t.handle([.link(WorkloadTrackerTests.cali), .route(route), .routeRemoved(route)]) == [])
        #expect(t.originated.isEmpty)
        // And one that goes and comes back is not withdrawn.
        _ = t.handle([.route(route)])
        #expect(t.handle([.routeRemoved(route), .route(route)]) == [])
        #expect(t.originated == [IPPrefix("10.64.9.1/32")!])
    }

    @Test func aSnapshotReplacesTheStateAndReportsTheDifference() {
        var t = WorkloadTracker(rules: WorkloadTrackerTests.rules)
        let stale = WorkloadTrackerTests.host("10.64.9.2/32", dev: 5)
        let fresh = WorkloadTrackerTests.host("10.64.9.3/32", dev: 5)
        _ = t.handle([.link(WorkloadTrackerTests.cali), .route(stale)])
        #expect(t.replace(with: [.link(WorkloadTrackerTests.cali), .route(fresh)]) == [
            .originate(IPPrefix("10.64.9.3/32")!), .withdraw(IPPrefix("10.64.9.2/32")!),
        ])
        #expect(t.status(of: IPPrefix("10.64.9.2/32")!) == .unknown)
    }
}
