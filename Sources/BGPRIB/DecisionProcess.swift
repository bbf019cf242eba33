// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel

/// Options of the decision process.
public struct DecisionOptions: Hashable, Sendable {
    /// LOCAL_PREF assumed for routes without one (eBGP-learned, locally originated): 100.
    public var defaultLocalPreference: UInt32
    /// Compare MED between routes from different neighbouring ASes too.
    public var alwaysCompareMED: Bool
    /// The largest ECMP set (1 disables multipath).
    public var maximumPaths: Int
    /// Allow paths with different AS_PATHs (of equal length) in one ECMP set, e.g. dual ToRs in different ASes.
    public var multipathRelax: Bool

    /// Creates options; the defaults are RFC behaviour with multipath up to 8 paths of identical AS_PATH.
    public init(defaultLocalPreference: UInt32 = 100, alwaysCompareMED: Bool = false, maximumPaths: Int = 8, multipathRelax: Bool = false) {
        self.defaultLocalPreference = defaultLocalPreference
        self.alwaysCompareMED = alwaysCompareMED
        self.maximumPaths = maximumPaths
        self.multipathRelax = multipathRelax
    }
}

/// One path in the running for a prefix, with what the decision process looks at.
public struct DecisionCandidate: Sendable {
    /// The source.
    public var peer: RIBPeer?
    /// The attributes after import policy.
    public var attributes: RouteAttributes
    /// The ADD-PATH identifier it arrived with (0 without ADD-PATH).
    public var pathID: UInt32
    /// The interior cost to its next hop.
    public var igpCost: UInt32

    /// Creates a candidate; `peer` is `nil` for a locally originated path.
    public init(peer: RIBPeer?, attributes: RouteAttributes, pathID: UInt32 = 0, igpCost: UInt32 = 0) {
        self.peer = peer
        self.attributes = attributes
        self.pathID = pathID
        self.igpCost = igpCost
    }
}

/// The outcome for one prefix.
public struct Decision: Hashable, Sendable {
    /// Index of the best candidate, `nil` when there was none.
    public var best: Int?
    /// Indices of the ECMP set, best first (just the best without multipath).
    public var multipath: [Int]
    /// The step that separated the best from the runner-up.
    public var decidedBy: DecisionStep
    /// For every candidate that is not the best: the step at which it lost.
    public var lostAt: [Int: DecisionStep]
}

/// RFC 4271 §9.1.2.2 run as the RFC states it: rounds of elimination over the whole candidate set, not a
/// pairwise sort. The result does not depend on the order the candidates arrived in (MED compared only within a
/// neighbouring AS is not transitive, so a pairwise sort would be), and each loser is marked with its round.
public enum DecisionProcess {
    /// Decides among `candidates`.
    public static func decide(_ candidates: [DecisionCandidate], options: DecisionOptions) -> Decision {
        guard !candidates.isEmpty else { return Decision(best: nil, multipath: [], decidedBy: .onlyCandidate, lostAt: [:]) }
        var alive = Array(candidates.indices)
        var lostAt: [Int: DecisionStep] = [:]

        /// Keeps the candidates whose `key` is minimal; marks the others as lost at `step`.
        func keepMinimum<Key: Comparable>(_ step: DecisionStep, _ key: (DecisionCandidate) -> Key) {
            guard alive.count > 1, let minimum = alive.map({ key(candidates[$0]) }).min() else { return }
            alive.removeAll { index in
                if key(candidates[index]) != minimum {
                    lostAt[index] = step
                    return true
                }
                return false
            }
        }

        // 1. Locally originated first.
        keepMinimum(.locallyOriginated) { $0.peer == nil ? 0 : 1 }
        // 2. Highest LOCAL_PREF (§9.1.1), as the lowest negated value.
        keepMinimum(.localPreference) { UInt32.max - ($0.attributes.attributes.localPreference ?? options.defaultLocalPreference) }
        // 3. (a) Shortest AS_PATH.
        keepMinimum(.asPathLength) { $0.attributes.attributes.asPath?.decisionLength ?? 0 }
        // 4. (b) Lowest ORIGIN.
        keepMinimum(.origin) { $0.attributes.attributes.origin ?? .incomplete }
        // 5. (c) Lowest MED, per neighbouring AS unless always-compare-med.
        if alive.count > 1 {
            let groups = Dictionary(grouping: alive) { options.alwaysCompareMED ? nil : neighborAS(candidates[$0]) }
            var kept: [Int] = []
            for (_, members) in groups {
                let minimum = members.map { candidates[$0].attributes.attributes.multiExitDiscriminator ?? 0 }.min()!
                for index in members {
                    if (candidates[index].attributes.attributes.multiExitDiscriminator ?? 0) == minimum {
                        kept.append(index)
                    } else {
                        lostAt[index] = .multiExitDiscriminator
                    }
                }
            }
            alive = kept.sorted()
        }
        // 6. (d) eBGP over iBGP.
        keepMinimum(.externalOverInternal) { ($0.peer?.isExternal ?? false) ? 0 : 1 }
        // 7. (e) Lowest IGP cost.
        keepMinimum(.igpCost) { $0.igpCost }
        let equalCost = alive
        // 8. (f) Lowest BGP Identifier, or ORIGINATOR_ID.
        keepMinimum(.routerID) { $0.attributes.attributes.originatorID?.rawValue ?? $0.peer?.routerID.rawValue ?? 0 }
        // 9. Shortest CLUSTER_LIST.
        keepMinimum(.clusterListLength) { $0.attributes.attributes.clusterList.count }
        // 10. (g) Lowest neighbour address.
        keepMinimum(.neighborAddress) { $0.peer?.address ?? .v4(.any) }
        // 11. Lowest path identifier.
        keepMinimum(.pathID) { $0.pathID }

        let best = alive[0]
        for extra in alive.dropFirst() { lostAt[extra] = .pathID }
        let decidedBy = lostAt.values.max() ?? .onlyCandidate

        // Multipath: the candidates equal through the IGP-cost step, with the same AS_PATH as the best (or any
        // AS_PATH of the same length when relaxed), ordered by the tie-breaks that followed.
        var multipath = [best]
        if options.maximumPaths > 1 {
            let bestPath = candidates[best].attributes.attributes.asPath ?? .empty
            let others = equalCost.filter { index in
                index != best
                    && (options.multipathRelax || (candidates[index].attributes.attributes.asPath ?? .empty) == bestPath)
            }.sorted { lostAt[$0, default: .pathID] > lostAt[$1, default: .pathID] || (lostAt[$0] == lostAt[$1] && $0 < $1) }
            multipath += others.prefix(options.maximumPaths - 1)
        }
        return Decision(best: best, multipath: multipath, decidedBy: decidedBy, lostAt: lostAt)
    }

    /// The neighbouring AS for MED comparison: the first AS of the path (RFC 4271 §9.1.2.2 c), or none for a
    /// path without one (local and iBGP-originated routes compare among themselves).
    static func neighborAS(_ candidate: DecisionCandidate) -> ASN? {
        candidate.attributes.attributes.asPath?.firstASN
    }
}
