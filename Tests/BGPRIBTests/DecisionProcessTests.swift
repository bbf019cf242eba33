// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import BGPTestSupport
import PropertyBased
import Testing

enum D {
    static func peer(_ n: UInt16, asn: ASN = 65001, external: Bool = true, routerID: String? = nil, address: String? = nil) -> RIBPeer {
        RIBPeer(
            id: PeerID(n), address: IPAddress(address ?? "192.0.2.\(n)")!, asn: asn,
            routerID: RouterID(routerID ?? "10.0.0.\(n)")!, isExternal: external)
    }

    static func attrs(
        path: [ASN] = [65001], origin: Origin = .igp, med: UInt32? = nil, localPref: UInt32? = nil, originator: String? = nil,
        clusters: Int = 0, nextHop: String = "192.0.2.1", set: [ASN]? = nil
    ) -> RouteAttributes {
        var segments = path.isEmpty ? [] : [ASPathSegment(type: .asSequence, asns: path)]
        if let set { segments.append(ASPathSegment(type: .asSet, asns: set)) }
        return RouteAttributes(
            attributes: PathAttributes(
                origin: origin, asPath: ASPath(segments: segments), multiExitDiscriminator: med, localPreference: localPref,
                originatorID: originator.flatMap(RouterID.init), clusterList: (0..<clusters).map { RouterID(rawValue: UInt32($0 + 1)) }),
            nextHop: IPAddress(nextHop))
    }

    static func candidate(_ peer: RIBPeer?, _ attributes: RouteAttributes, pathID: UInt32 = 0, igp: UInt32 = 0) -> DecisionCandidate {
        DecisionCandidate(peer: peer, attributes: attributes, pathID: pathID, igpCost: igp)
    }
}

@Suite struct DecisionProcessTests {
    struct Step: Sendable, CustomTestStringConvertible {
        var step: DecisionStep
        var winner: DecisionCandidate
        var loser: DecisionCandidate
        var options = DecisionOptions(maximumPaths: 1)
        var testDescription: String { step.description }
    }

    /// For each step, a winner and a loser that tie on every earlier step.
    static let steps: [Step] = [
        Step(step: .locallyOriginated, winner: D.candidate(nil, D.attrs(path: [65009, 65009])), loser: D.candidate(D.peer(1), D.attrs(path: []))),
        Step(step: .localPreference, winner: D.candidate(D.peer(1), D.attrs(path: [65001, 65002], localPref: 200)), loser: D.candidate(D.peer(2), D.attrs())),
        Step(step: .asPathLength, winner: D.candidate(D.peer(2), D.attrs(path: [65001])), loser: D.candidate(D.peer(1), D.attrs(path: [65001, 65002]))),
        Step(step: .asPathLength, winner: D.candidate(D.peer(2), D.attrs(path: [65001], set: [65002, 65003, 65004])),
             loser: D.candidate(D.peer(1), D.attrs(path: [65001, 65005, 65006]))),
        Step(step: .origin, winner: D.candidate(D.peer(2), D.attrs(origin: .igp)), loser: D.candidate(D.peer(1), D.attrs(origin: .incomplete))),
        Step(step: .multiExitDiscriminator, winner: D.candidate(D.peer(2), D.attrs(med: 10)), loser: D.candidate(D.peer(1), D.attrs(med: 20))),
        Step(step: .externalOverInternal, winner: D.candidate(D.peer(2), D.attrs()), loser: D.candidate(D.peer(1, external: false), D.attrs())),
        Step(step: .igpCost, winner: D.candidate(D.peer(2), D.attrs(), igp: 5), loser: D.candidate(D.peer(1), D.attrs(), igp: 10)),
        Step(step: .routerID, winner: D.candidate(D.peer(2, routerID: "10.0.0.1"), D.attrs()), loser: D.candidate(D.peer(1, routerID: "10.0.0.9"), D.attrs())),
        Step(step: .routerID, winner: D.candidate(D.peer(1, routerID: "10.0.0.9"), D.attrs(originator: "10.0.0.1")),
             loser: D.candidate(D.peer(2, routerID: "10.0.0.5"), D.attrs())),
        Step(step: .clusterListLength, winner: D.candidate(D.peer(2, routerID: "10.0.0.1"), D.attrs(clusters: 1)),
             loser: D.candidate(D.peer(1, routerID: "10.0.0.1"), D.attrs(clusters: 2))),
        Step(step: .neighborAddress, winner: D.candidate(D.peer(2, routerID: "10.0.0.1", address: "192.0.2.1"), D.attrs()),
             loser: D.candidate(D.peer(1, routerID: "10.0.0.1", address: "192.0.2.9"), D.attrs())),
        Step(step: .pathID, winner: D.candidate(D.peer(1), D.attrs(), pathID: 1), loser: D.candidate(D.peer(1), D.attrs(), pathID: 2)),
    ]

    @Test(arguments: steps)
    func eachStepDecidesAndIsRecorded(s: Step) {
        for order in [[s.winner, s.loser], [s.loser, s.winner]] {
            let decision = DecisionProcess.decide(order, options: s.options)
            let winnerIndex = order.firstIndex { $0.peer == s.winner.peer && $0.pathID == s.winner.pathID && $0.igpCost == s.winner.igpCost
                && $0.attributes == s.winner.attributes }!
            #expect(decision.best == winnerIndex)
            #expect(decision.decidedBy == s.step)
            #expect(decision.lostAt[1 - winnerIndex] == s.step)
        }
    }

    @Test func medIsComparedOnlyWithinANeighbouringAS() {
        // a (AS 65001, MED 10) beats b (AS 65001, MED 20); c (AS 65002, MED 50) is not compared by MED.
        let a = D.candidate(D.peer(3, routerID: "10.0.0.9"), D.attrs(path: [65001], med: 10))
        let b = D.candidate(D.peer(2, routerID: "10.0.0.1"), D.attrs(path: [65001], med: 20))
        let c = D.candidate(D.peer(1, routerID: "10.0.0.2"), D.attrs(path: [65002], med: 50))
        let decision = DecisionProcess.decide([a, b, c], options: DecisionOptions(maximumPaths: 1))
        #expect(decision.lostAt[1] == .multiExitDiscriminator)
        #expect(decision.best == 2)  // c wins on router ID over a
        #expect(decision.lostAt[0] == .routerID)
        let always = DecisionProcess.decide([a, b, c], options: DecisionOptions(alwaysCompareMED: true, maximumPaths: 1))
        #expect(always.best == 0)
    }

    @Test func multipathNeedsEqualASPathUnlessRelaxed() {
        // Dual ToRs in different ASes, equal in everything up to the IGP cost.
        let torA = D.candidate(D.peer(1, asn: 65101), D.attrs(path: [65101, 65000], nextHop: "10.0.1.1"))
        let torB = D.candidate(D.peer(2, asn: 65102), D.attrs(path: [65102, 65000], nextHop: "10.0.2.1"))
        let strict = DecisionProcess.decide([torA, torB], options: DecisionOptions())
        #expect(strict.multipath == [strict.best!])
        let relaxed = DecisionProcess.decide([torA, torB], options: DecisionOptions(multipathRelax: true))
        #expect(relaxed.multipath.count == 2)
        #expect(relaxed.multipath.first == relaxed.best)
        // Same AS path through two sessions: ECMP without relaxing.
        let twin = D.candidate(D.peer(3, asn: 65101), D.attrs(path: [65101, 65000], nextHop: "10.0.3.1"))
        #expect(DecisionProcess.decide([torA, twin], options: DecisionOptions()).multipath.count == 2)
        // Never more than maximumPaths.
        let many = (1...6).map { D.candidate(D.peer(UInt16($0), asn: 65101), D.attrs(path: [65101])) }
        #expect(DecisionProcess.decide(many, options: DecisionOptions(maximumPaths: 4)).multipath.count == 4)
        // Worse paths never join the set.
        let longer = D.candidate(D.peer(4, asn: 65101), D.attrs(path: [65101, 65000, 65000]))
        #expect(DecisionProcess.decide([torA, longer], options: DecisionOptions(multipathRelax: true)).multipath.count == 1)
    }

    @Test func bestIsIndependentOfArrivalOrder() async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value()) { seed in
            var rng = SplitMix(state: seed)
            let candidates = (0..<Int.random(in: 1...7, using: &rng)).map { i in
                D.candidate(
                    D.peer(UInt16(i + 1), asn: [65001, 65002][Int.random(in: 0...1, using: &rng)],
                           external: Bool.random(using: &rng), routerID: "10.0.0.\(Int.random(in: 1...3, using: &rng))",
                           address: "192.0.2.\(i + 1)"),
                    D.attrs(
                        path: [[65001], [65002], [65001, 65003]][Int.random(in: 0...2, using: &rng)],
                        origin: [.igp, .incomplete][Int.random(in: 0...1, using: &rng)],
                        med: [nil, 10, 20][Int.random(in: 0...2, using: &rng)],
                        localPref: [nil, 100, 200][Int.random(in: 0...2, using: &rng)]),
                    igp: UInt32.random(in: 0...1, using: &rng))
            }
            let reference = DecisionProcess.decide(candidates, options: DecisionOptions())
            let bestPeer = candidates[reference.best!].peer
            let ecmp = Set(reference.multipath.map { candidates[$0].peer!.id })
            for _ in 0..<5 {
                let shuffled = candidates.shuffled(using: &rng)
                let decision = DecisionProcess.decide(shuffled, options: DecisionOptions())
                #expect(shuffled[decision.best!].peer == bestPeer)
                #expect(Set(decision.multipath.map { shuffled[$0].peer!.id }) == ecmp)
                #expect(decision.decidedBy == reference.decidedBy)
            }
        }
    }
}

typealias SplitMix = SplitMix64
