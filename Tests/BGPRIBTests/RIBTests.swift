// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import PropertyBased
import Testing

@Suite struct RIBTests {
    static let localAS: ASN = 4_200_001_011
    static let torA = RIBPeer(id: PeerID(1), address: IPAddress("10.0.1.1")!, asn: 65101, routerID: RouterID("10.0.1.1")!, isExternal: true)
    static let torB = RIBPeer(id: PeerID(2), address: IPAddress("10.0.2.1")!, asn: 65102, routerID: RouterID("10.0.2.1")!, isExternal: true)
    static let rrClient = RIBPeer(
        id: PeerID(3), address: IPAddress("10.0.3.1")!, asn: localAS, routerID: RouterID("10.0.3.1")!, isExternal: false,
        isRouteReflectorClient: true)

    static func rib(relax: Bool = true) -> RIB {
        var rib = RIB(configuration: RIBConfiguration(
            localAS: localAS, routerID: RouterID("10.0.1.11")!, decision: DecisionOptions(multipathRelax: relax)))
        rib.setPeer(torA)
        rib.setPeer(torB)
        rib.setPeer(rrClient)
        return rib
    }

    static func route(_ text: String) -> RoutePrefix { RoutePrefix(IPPrefix(text)!) }

    static func attrs(_ path: [ASN], nextHop: String, med: UInt32? = nil, originator: String? = nil, clusters: [String] = []) -> RouteAttributes {
        RouteAttributes(
            attributes: PathAttributes(
                origin: .igp, asPath: ASPath(sequence: path), multiExitDiscriminator: med, originatorID: originator.flatMap(RouterID.init),
                clusterList: clusters.compactMap(RouterID.init)),
            nextHop: IPAddress(nextHop))
    }

    @Test func firstAnnouncementIsAChangeFromNothing() {
        var rib = Self.rib()
        let changes = rib.update(from: PeerID(1), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65101], nextHop: "10.0.1.1"))
        #expect(changes.count == 1)
        #expect(changes[0].old == nil)
        #expect(changes[0].new?.best.peer == PeerID(1))
        #expect(changes[0].new?.decidedBy == .onlyCandidate)
    }

    @Test func pathsKeepTheTimeTheyArrived() {
        var rib = Self.rib()
        rib.time = 5
        _ = rib.update(from: PeerID(1), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65101], nextHop: "10.0.1.1"))
        rib.time = 9
        _ = rib.update(from: PeerID(2), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65102], nextHop: "10.0.2.1"))
        #expect(rib.paths(for: IPPrefix("10.1.0.0/16")!).map { ($0.peer, $0.time) }.sorted { $0.0.rawValue < $1.0.rawValue }.map(\.1) == [5, 9])
    }

    @Test func worsePathChangesNothingAndBetterPathTakesOver() {
        var rib = Self.rib(relax: false)
        _ = rib.update(from: PeerID(1), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65101, 65000], nextHop: "10.0.1.1"))
        let worse = rib.update(from: PeerID(2), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65102, 65000, 65000], nextHop: "10.0.2.1"))
        #expect(worse.isEmpty)
        let better = rib.update(from: PeerID(2), announced: [Self.route("10.1.0.0/16")], attributes: Self.attrs([65102], nextHop: "10.0.2.1"))
        #expect(better.count == 1)
        #expect(better[0].old?.best.peer == PeerID(1))
        #expect(better[0].new?.best.peer == PeerID(2))
        #expect(better[0].new?.decidedBy == .asPathLength)
        // Withdrawing the best falls back to the other path.
        let fallback = rib.update(from: PeerID(2), withdrawn: [Self.route("10.1.0.0/16")])
        #expect(fallback.first?.new?.best.peer == PeerID(1))
    }

    @Test func dualToRsFormAnECMPSetAndLosingOneKeepsTheOther() {
        var rib = Self.rib(relax: true)
        _ = rib.update(from: PeerID(1), announced: [Self.route("10.9.0.0/24")], attributes: Self.attrs([65101, 65000], nextHop: "10.0.1.1"))
        let second = rib.update(from: PeerID(2), announced: [Self.route("10.9.0.0/24")], attributes: Self.attrs([65102, 65000], nextHop: "10.0.2.1"))
        #expect(second.first?.new?.multipath.count == 2)
        let down = rib.peerDown(PeerID(1))
        #expect(down.count == 1)
        #expect(down[0].new?.multipath.map(\.peer) == [PeerID(2)])
    }

    @Test func loopsAndRuleViolationsAreKeptButIneligible() {
        var rib = Self.rib()
        var changes = rib.update(from: PeerID(1), announced: [Self.route("10.2.0.0/16")], attributes: Self.attrs([65101, Self.localAS], nextHop: "10.0.1.1"))
        #expect(changes.isEmpty)
        #expect(rib.paths(for: IPPrefix("10.2.0.0/16")!).first?.ineligibility == .asPathLoop)
        changes = rib.update(from: PeerID(1), announced: [Self.route("10.3.0.0/16")], attributes: Self.attrs([65999], nextHop: "10.0.1.1"))
        #expect(changes.isEmpty)
        #expect(rib.paths(for: IPPrefix("10.3.0.0/16")!).first?.ineligibility == .firstASMismatch)
        changes = rib.update(from: PeerID(3), announced: [Self.route("10.4.0.0/16")], attributes: Self.attrs([], nextHop: "10.0.3.9", originator: "10.0.1.11"))
        #expect(rib.paths(for: IPPrefix("10.4.0.0/16")!).first?.ineligibility == .originatorLoop)
        changes = rib.update(from: PeerID(3), announced: [Self.route("10.5.0.0/16")], attributes: Self.attrs([], nextHop: "10.0.3.9", clusters: ["10.0.1.11"]))
        #expect(rib.paths(for: IPPrefix("10.5.0.0/16")!).first?.ineligibility == .clusterLoop)
        #expect(rib.selection(for: IPPrefix("10.5.0.0/16")!) == nil)
    }

    @Test func allowASInAcceptsOurASOnce() {
        var rib = Self.rib()
        var peer = Self.torA
        peer.allowOwnAS = 1
        rib.setPeer(peer)
        let once = rib.update(from: PeerID(1), announced: [Self.route("10.6.0.0/16")], attributes: Self.attrs([65101, Self.localAS], nextHop: "10.0.1.1"))
        #expect(once.count == 1)
        _ = rib.update(from: PeerID(1), announced: [Self.route("10.7.0.0/16")], attributes: Self.attrs([65101, Self.localAS, Self.localAS], nextHop: "10.0.1.1"))
        #expect(rib.selection(for: IPPrefix("10.7.0.0/16")!) == nil)
    }

    @Test func identicalAttributesAreStoredOnce() {
        var rib = Self.rib()
        let routes = (0..<1000).map { RoutePrefix(.v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32($0)), length: 32))) }
        _ = rib.update(from: PeerID(1), announced: routes, attributes: Self.attrs([65101], nextHop: "10.0.1.1"))
        #expect(rib.prefixCount == 1000)
        #expect(rib.attributes.count == 1)
    }

    @Test func announceThenWithdrawLeavesNothing() async {
        await propertyCheck(count: 100, input: Gen<UInt64>.value()) { seed in
            var rng = SplitMix(state: seed)
            var rib = Self.rib()
            var announced: [(PeerID, RoutePrefix)] = []
            for _ in 0..<Int.random(in: 1...30, using: &rng) {
                let peer = PeerID(UInt16.random(in: 1...2, using: &rng))
                let asn: ASN = peer == PeerID(1) ? 65101 : 65102
                let routes = (0..<Int.random(in: 1...20, using: &rng)).map { _ in
                    Bool.random(using: &rng)
                        ? RoutePrefix(.v4(IPv4Prefix(address: IPv4Address(rawValue: UInt32.random(in: 0...0xFF, using: &rng) << 8), length: 24)))
                        : RoutePrefix(.v6(IPv6Prefix(address: IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64.random(in: 0...0xFF, using: &rng) << 16, low: 0), length: 48)))
                }
                let path = [asn] + (0..<Int.random(in: 0...2, using: &rng)).map { _ in ASN(UInt32.random(in: 64512...64520, using: &rng)) }
                _ = rib.update(from: peer, announced: routes, attributes: Self.attrs(path, nextHop: peer == PeerID(1) ? "10.0.1.1" : "10.0.2.1",
                                                                                    med: Bool.random(using: &rng) ? 5 : nil))
                announced += routes.map { (peer, $0) }
            }
            for (peer, route) in announced.shuffled(using: &rng) { _ = rib.update(from: peer, withdrawn: [route]) }
            _ = rib.update(from: PeerID(1))  // flushes deferred releases
            #expect(rib.prefixCount == 0)
            #expect(rib.attributes.count == 0)
        }
    }

    @Test func locRIBIsIndependentOfArrivalOrder() async {
        await propertyCheck(count: 100, input: Gen<UInt64>.value()) { seed in
            var rng = SplitMix(state: seed)
            let prefixes = (0..<5).map { RoutePrefix(.v4(IPv4Prefix(address: IPv4Address(rawValue: 0x0A00_0000 + UInt32($0) << 8), length: 24))) }
            var inputs: [(PeerID, RoutePrefix, RouteAttributes)] = []
            for prefix in prefixes {
                for peer in [PeerID(1), PeerID(2)] where Bool.random(using: &rng) {
                    let asn: ASN = peer == PeerID(1) ? 65101 : 65102
                    let path = [asn] + (0..<Int.random(in: 0...2, using: &rng)).map { _ in ASN(65000) }
                    inputs.append((peer, prefix, Self.attrs(path, nextHop: peer == PeerID(1) ? "10.0.1.1" : "10.0.2.1",
                                                           med: [nil, 1, 9][Int.random(in: 0...2, using: &rng)])))
                }
            }
            func run(_ order: [(PeerID, RoutePrefix, RouteAttributes)]) -> [IPPrefix: Set<PeerID>] {
                var rib = Self.rib()
                for (peer, prefix, attributes) in order { _ = rib.update(from: peer, announced: [prefix], attributes: attributes) }
                var result: [IPPrefix: Set<PeerID>] = [:]
                for prefix in rib.selectedPrefixes { result[prefix] = Set(rib.selection(for: prefix)!.multipath.map(\.peer)) }
                return result
            }
            let reference = run(inputs)
            #expect(run(inputs.shuffled(using: &rng)) == reference)
            #expect(run(inputs.reversed()) == reference)
        }
    }
}

@Suite struct ImportPolicyTests {
    @Test func rejectedPathsStayInAdjRIBInButAreNotSelected() {
        var rib = RIBTests.rib()
        let changes = rib.update(
            from: PeerID(1), announced: [RIBTests.route("10.8.0.0/16")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
            policy: { _, _ in .reject })
        #expect(changes.isEmpty)
        #expect(rib.paths(for: IPPrefix("10.8.0.0/16")!).first?.ineligibility == .rejectedByPolicy)
        #expect(rib.selection(for: IPPrefix("10.8.0.0/16")!) == nil)
    }

    @Test func modifiedAttributesAreInternedSeparately() {
        var rib = RIBTests.rib()
        _ = rib.update(
            from: PeerID(1), announced: [RIBTests.route("10.8.0.0/16")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
            policy: { _, a in
                var changed = a
                changed.attributes.localPreference = 300
                return .modify(changed)
            })
        let path = rib.paths(for: IPPrefix("10.8.0.0/16")!).first!
        #expect(path.received.attributes.localPreference == nil)
        #expect(path.accepted?.attributes.localPreference == 300)
        #expect(rib.attributes.count == 2)
        _ = rib.update(from: PeerID(1), withdrawn: [RIBTests.route("10.8.0.0/16")])
        _ = rib.update(from: PeerID(1))
        #expect(rib.attributes.count == 0)
    }
}

@Suite struct AcceptedCountTests {
    @Test func countsEligibleAcceptedPathsPerNeighbour() {
        var rib = RIBTests.rib()
        let routes = ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"].map(RIBTests.route)
        _ = rib.update(from: PeerID(1), announced: routes, attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"))
        _ = rib.update(from: PeerID(2), announced: routes, attributes: RIBTests.attrs([65102], nextHop: "10.0.2.1"))
        #expect(rib.acceptedPaths(from: PeerID(1)) == 3)
        #expect(rib.acceptedPaths(from: PeerID(2)) == 3)
        _ = rib.update(from: PeerID(1), withdrawn: [routes[0]])
        #expect(rib.acceptedPaths(from: PeerID(1)) == 2)
        // Re-announcing replaces, it does not add.
        _ = rib.update(from: PeerID(1), announced: [routes[1]], attributes: RIBTests.attrs([65101, 65000], nextHop: "10.0.1.1"))
        #expect(rib.acceptedPaths(from: PeerID(1)) == 2)
        // Rejected and looped paths do not count.
        _ = rib.update(from: PeerID(1), announced: [RIBTests.route("10.4.0.0/16")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
                       policy: { _, _ in .reject })
        _ = rib.update(from: PeerID(1), announced: [RIBTests.route("10.5.0.0/16")], attributes: RIBTests.attrs([65101, RIBTests.localAS], nextHop: "10.0.1.1"))
        #expect(rib.acceptedPaths(from: PeerID(1)) == 2)
        _ = rib.peerDown(PeerID(1))
        #expect(rib.acceptedPaths(from: PeerID(1)) == 0)
        #expect(rib.acceptedPaths(from: PeerID(2)) == 3)
    }
}
