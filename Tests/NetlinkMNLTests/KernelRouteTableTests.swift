// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Foundation
import Glibc
import NetlinkMNL
import Testing

/// The real kernel, in a network namespace each test makes and deletes (root only; skipped otherwise).
/// Root and iproute2 are needed to make namespaces.
let kernelTestsCanRun = getuid() == 0 && (FileManager.default.fileExists(atPath: "/usr/sbin/ip") || FileManager.default.fileExists(atPath: "/sbin/ip"))

@Suite(.serialized, .enabled(if: kernelTestsCanRun, "needs root and iproute2"))
struct KernelRouteTableTests {
    /// A namespace with a veth pair carrying 10.77.0.1/24 and fd77::1/64, so gateways 10.77.0.x are connected.
    final class Namespace {
        let name = "pltk\(getpid() % 100_000)x\(UInt32.random(in: 0...0xFFFF))"

        init() throws {
            try Self.ip("netns", "add", name)
            try Self.ip("-n", name, "link", "add", "k0", "type", "veth", "peer", "name", "k1")
            try Self.ip("-n", name, "addr", "add", "10.77.0.1/24", "dev", "k0")
            try Self.ip("-n", name, "addr", "add", "fd77::1/64", "dev", "k0", "nodad")
            for dev in ["lo", "k0", "k1"] { try Self.ip("-n", name, "link", "set", dev, "up") }
        }

        deinit { _ = try? Self.ip("netns", "del", name) }

        @discardableResult
        static func ip(_ arguments: String...) throws -> String { try ip(arguments) }

        @discardableResult
        static func ip(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus != 0 { throw CocoaError(.fileReadUnknown, userInfo: ["output": output]) }
            return output
        }
    }

    static func route(_ prefix: String, via gateways: [String], proto: UInt8 = 186, metric: UInt32 = 20) -> KernelRoute {
        KernelRoute(prefix: IPPrefix(prefix)!, nextHops: gateways.map { KernelNextHop(gateway: IPAddress($0)) }, protocolNumber: proto, metric: metric)
    }

    static func ours(_ table: MNLRouteTable, ipv6: Bool = false) throws -> [KernelRoute] {
        try table.dump(table: 254, ipv6: ipv6).filter { $0.protocolNumber == 186 }
    }

    /// True when the table holds exactly `wanted` (of our protocol), as the reconciler judges it.
    static func holds(_ table: MNLRouteTable, exactly wanted: [KernelRoute], ipv6: Bool = false) throws -> Bool {
        let observed = try ours(table, ipv6: ipv6)
        return FIBReconciler(protocolNumber: 186).plan(desired: wanted, observed: observed).operations.isEmpty
            && observed.count == wanted.count
    }

    @Test func installReplaceDeleteAndECMP() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let first = Self.route("10.1.0.0/16", via: ["10.77.0.2"])
        #expect(try table.apply([.install(first)]) == [.done])
        #expect(try Self.ours(table).map(\.key) == [first.key])
        // What `ip` sees, independently of our parser.
        let shown = try Namespace.ip("-n", ns.name, "-j", "route", "show", "proto", "186")
        #expect(shown.contains("\"dst\":\"10.1.0.0/16\"") && shown.contains("\"gateway\":\"10.77.0.2\"") && shown.contains("\"metric\":20"))

        let replaced = Self.route("10.1.0.0/16", via: ["10.77.0.3"])
        #expect(try table.apply([.install(replaced)]) == [.done])
        #expect(try Self.holds(table, exactly: [replaced]))

        let ecmp = Self.route("10.1.0.0/16", via: ["10.77.0.3", "10.77.0.4"])
        #expect(try table.apply([.install(ecmp)]) == [.done])
        #expect(try Self.holds(table, exactly: [ecmp]))
        #expect(try Self.ours(table).first?.nextHops.compactMap(\.gateway) == [IPAddress("10.77.0.3")!, IPAddress("10.77.0.4")!])

        // A delete names only the key: the FIB service removes routes without knowing their next hops.
        let keyOnly = KernelRoute(prefix: ecmp.prefix, nextHops: [])
        #expect(try table.apply([.remove(keyOnly)]) == [.done])
        #expect(try Self.ours(table).isEmpty)
        // Deleting what is gone is fine (ESRCH counts as done).
        #expect(try table.apply([.remove(ecmp)]) == [.done])
    }

    @Test func ipv6AndUnreachableNextHops() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let v6 = Self.route("2001:db8:44::/48", via: ["fd77::2", "fd77::3"])
        #expect(try table.apply([.install(v6)]) == [.done])
        #expect(try Self.holds(table, exactly: [v6], ipv6: true))
        // A next hop on no connected network: refused by the kernel, reported per route, nothing else affected.
        let nowhere = Self.route("10.2.0.0/16", via: ["192.0.2.1"])
        let results = try table.apply([.install(nowhere), .install(Self.route("10.3.0.0/16", via: ["10.77.0.2"]))])
        #expect(results == [.failed(errno: ENETUNREACH), .done])
    }

    @Test func foreignRoutesAreLeftAlone() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        try Namespace.ip("-n", ns.name, "route", "add", "10.5.0.0/16", "via", "10.77.0.9", "proto", "static", "metric", "20")
        let wanted = Self.route("10.5.0.0/16", via: ["10.77.0.2"])
        let plan = FIBReconciler(protocolNumber: 186).plan(desired: [wanted], observed: try table.dump(table: 254, ipv6: false))
        #expect(plan.operations.isEmpty)
        #expect(plan.conflicts == [wanted])
        // Even a delete of "our" route with that key does not touch the static one: the kernel matches the protocol.
        #expect(try table.apply([.remove(wanted)]) == [.done])
        #expect(try Namespace.ip("-n", ns.name, "route", "show", "10.5.0.0/16").contains("via 10.77.0.9"))
    }

    @Test func createNeverReplacesAnotherOwnersRouteButAdoptsOurOwn() throws {
        let ns = try Namespace()
        try Namespace.ip("-n", ns.name, "route", "add", "10.6.0.0/16", "via", "10.77.0.9", "proto", "static", "metric", "20")
        // Ours from "before a restart": protocol 186, the same table and metric.
        try Namespace.ip("-n", ns.name, "route", "add", "10.7.0.0/16", "via", "10.77.0.9", "proto", "186", "metric", "20")
        let table = try MNLRouteTable(namespace: ns.name)
        let results = try table.apply([.create(Self.route("10.6.0.0/16", via: ["10.77.0.2"])), .create(Self.route("10.7.0.0/16", via: ["10.77.0.2"]))])
        #expect(results == [.failed(errno: EEXIST), .done])
        #expect(try Namespace.ip("-n", ns.name, "route", "show", "10.6.0.0/16").contains("via 10.77.0.9 dev k0 proto static"))
        #expect(try Namespace.ip("-n", ns.name, "route", "show", "10.7.0.0/16").contains("via 10.77.0.2"))
        // An install (a key we hold) replaces; a create of a free key just creates.
        #expect(try table.apply([.install(Self.route("10.7.0.0/16", via: ["10.77.0.3"])), .create(Self.route("10.8.0.0/16", via: ["10.77.0.3"]))]) == [.done, .done])
        #expect(try Self.holds(table, exactly: [Self.route("10.7.0.0/16", via: ["10.77.0.3"]), Self.route("10.8.0.0/16", via: ["10.77.0.3"])]))
    }

    @Test func tenThousandRoutesInBatches() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let routes = (0..<10_000).map { i in
            KernelRoute(prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32(i)), length: 32)),
                        nextHops: [KernelNextHop(gateway: IPAddress("10.77.0.2"))])
        }
        let results = try table.apply(routes.map { .install($0) })
        #expect(results.allSatisfy { $0 == .done })
        #expect(try Self.ours(table).count == 10_000)
        #expect(try table.apply(routes.map { .remove(KernelRoute(prefix: $0.prefix, nextHops: [])) }).allSatisfy { $0 == .done })
        #expect(try Self.ours(table).isEmpty)
    }

    @Test func overrunIsDetectedAndReconcileMakesTheTableExact() throws {
        let ns = try Namespace()
        // A tiny receive buffer and a burst: acknowledgements are lost and the table must be reconciled.
        let tiny = try MNLRouteTable(namespace: ns.name, receiveBuffer: 4096)
        let desired = (0..<30_000).map { i in
            KernelRoute(prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6450_0000 + UInt32(i)), length: 32)),
                        nextHops: [KernelNextHop(gateway: IPAddress("10.77.0.2"))])
        }
        var overran = false
        do {
            _ = try tiny.apply(desired.map { .install($0) })
        } catch {
            overran = error == .overrun
        }
        #expect(overran, "a 4 KiB buffer should not hold 30k acknowledgements")
        let table = try MNLRouteTable(namespace: ns.name)
        let plan = FIBReconciler(protocolNumber: 186).plan(desired: desired, observed: try table.dump(table: 254, ipv6: false))
        #expect(try table.apply(plan.operations).allSatisfy { $0 == .done })
        #expect(try Self.holds(table, exactly: desired))
    }

    /// The JSON `ip` prints, decoded.
    static func json(_ arguments: String...) throws -> [[String: Any]] {
        let output = try Namespace.ip(arguments)
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
    }

    @Test func gatewayRoutesShareKernelNextHopObjects() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let one = Self.route("10.8.0.0/16", via: ["10.77.0.2"])
        let two = Self.route("10.9.0.0/16", via: ["10.77.0.2"])
        let ecmp = Self.route("10.10.0.0/16", via: ["10.77.0.2", "10.77.0.3"])
        let v6 = Self.route("2001:db8:8::/48", via: ["fd77::2"])
        #expect(try table.apply([.install(one), .install(two), .install(ecmp), .install(v6)]) == [.done, .done, .done, .done])
        // Seen by iproute2: three gateway objects and one group, all of protocol 186, and routes that refer to them.
        let objects = try Self.json("-n", ns.name, "-j", "nexthop", "show")
        #expect(objects.count == 4)
        #expect(objects.allSatisfy { ($0["protocol"] as? String) == "bgp" })
        let routes = try Self.json("-n", ns.name, "-j", "route", "show", "proto", "186")
        let ids = Dictionary(uniqueKeysWithValues: routes.compactMap { r in (r["dst"] as? String).map { ($0, r["nhid"] as? Int) } })
        #expect(ids["10.8.0.0/16"] != nil && ids["10.8.0.0/16"] == ids["10.9.0.0/16"])
        let group = objects.first { $0["group"] != nil }
        #expect(group?["id"] as? Int == ids["10.10.0.0/16"] ?? nil)
        #expect((group?["group"] as? [[String: Any]])?.count == 2)
        // Our own dump still reports the gateways, so the reconciler sees the routes as wanted.
        #expect(try Self.holds(table, exactly: [one, two, ecmp]))
        #expect(try Self.holds(table, exactly: [v6], ipv6: true))
        // A restarted table adopts the objects: the same route is installed through the same object.
        let restarted = try MNLRouteTable(namespace: ns.name)
        #expect(try restarted.apply([.install(one)]) == [.done])
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").count == 4)
        // Idle objects are released once no route uses them; objects in use stay.
        #expect(try restarted.apply([.remove(ecmp), .remove(v6)]) == [.done, .done])
        try restarted.releaseIdleNextHops()
        let left = try Self.json("-n", ns.name, "-j", "nexthop", "show")
        #expect(left.count == 1 && left.first?["id"] as? Int == ids["10.8.0.0/16"] ?? nil)
        #expect(try Self.holds(restarted, exactly: [one, two]))
        #expect(try restarted.apply([.remove(one), .remove(two)]) == [.done, .done])
        try restarted.releaseIdleNextHops()
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").isEmpty)
    }

    @Test func objectsDeletedByTheKernelAreRecreated() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let route = Self.route("10.11.0.0/16", via: ["10.77.0.2"])
        #expect(try table.apply([.install(route)]) == [.done])
        // An interface going down makes the kernel delete its objects and the routes through them.
        try Namespace.ip("-n", ns.name, "link", "set", "k0", "down")
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").isEmpty)
        try Namespace.ip("-n", ns.name, "link", "set", "k0", "up")
        // The table's cached object is gone: the install is refused once, then retried through a new object.
        #expect(try table.apply([.install(route)]) == [.done])
        #expect(try Self.holds(table, exactly: [route]))
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").count == 1)
    }

    @Test func plainRoutesWhenObjectsAreOff() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name, nextHopObjects: false)
        let route = Self.route("10.12.0.0/16", via: ["10.77.0.2"])
        #expect(try table.apply([.install(route)]) == [.done])
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").isEmpty)
        #expect(try Self.json("-n", ns.name, "-j", "route", "show", "proto", "186").first?["nhid"] == nil)
        #expect(try Self.holds(table, exactly: [route]))
    }

    static func hosts(_ base: UInt32, _ count: Int, via gateways: [String]) -> [KernelRoute] {
        (0..<count).map { i in
            KernelRoute(prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: base + UInt32(i)), length: 32)),
                        nextHops: gateways.map { KernelNextHop(gateway: IPAddress($0)) })
        }
    }

    @Test func aWholeSetGoesWithItsObjectAndNothingElseDoes() throws {
        let ns = try Namespace()
        let table = try MNLRouteTable(namespace: ns.name)
        let throughA = Self.hosts(0x6440_0000, 5_000, via: ["10.77.0.2"])
        let throughB = Self.hosts(0x6450_0000, 3_000, via: ["10.77.0.3"])
        let pair = Self.route("10.20.0.0/16", via: ["10.77.0.2", "10.77.0.4"])
        #expect(try table.apply((throughA + throughB + [pair]).map { .install($0) }).allSatisfy { $0 == .done })
        // B's object holds only B's routes: one deletion takes all of them, and nothing else.
        let hopsB = throughB[0].nextHops
        #expect(try table.apply([.removeThrough(nextHops: hopsB, routes: RouteSet(template: throughB[0], prefixes: throughB.map(\.prefix)))]) == [.done])
        #expect(try Self.holds(table, exactly: throughA + [pair]))
        #expect(try Self.json("-n", ns.name, "-j", "nexthop", "show").count == 3)  // A, the pair's second hop, the pair
        // A's object is a member of the pair's group: deleting it would change the pair, so route by route.
        #expect(try table.apply([.removeThrough(nextHops: throughA[0].nextHops, routes: RouteSet(template: throughA[0], prefixes: throughA.map(\.prefix)))]) == [.done])
        #expect(try Self.holds(table, exactly: [pair]))
        #expect(try Self.ours(table).first?.nextHops.count == 2)
    }

    @Test func aSetWithPlainRoutesGoesRouteByRoute() throws {
        let ns = try Namespace()
        // Routes left by a table without objects (an older Peerlet), then adopted by one with objects.
        let routes = Self.hosts(0x6460_0000, 2_000, via: ["10.77.0.2"])
        #expect(try MNLRouteTable(namespace: ns.name, nextHopObjects: false).apply(routes.prefix(1_000).map { .install($0) })
            .allSatisfy { $0 == .done })
        let table = try MNLRouteTable(namespace: ns.name)
        #expect(try table.apply(routes.suffix(1_000).map { .install($0) }).allSatisfy { $0 == .done })
        // Deleting the object would leave the plain half behind: every route goes, one by one.
        #expect(try table.apply([.removeThrough(nextHops: routes[0].nextHops, routes: RouteSet(template: routes[0], prefixes: routes.map(\.prefix)))]) == [.done])
        #expect(try Self.ours(table).isEmpty)
    }
}
