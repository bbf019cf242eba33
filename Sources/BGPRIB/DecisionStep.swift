// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The steps of the decision process in the order they are applied (RFC 4271 §9.1.2.2 with the usual
/// additions). Each candidate that loses records the step at which it lost; each prefix records the step
/// that separated the winner from the runner-up.
public enum DecisionStep: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible, CaseIterable {
    /// There was only one candidate.
    case onlyCandidate = 0
    /// Locally originated routes win over learned ones (the role of FRR's weight or BIRD's preference).
    case locallyOriginated = 1
    /// Highest LOCAL_PREF (§9.1.1; absent means the configured default).
    case localPreference = 2
    /// Shortest AS_PATH, an AS_SET counting one (§9.1.2.2 a).
    case asPathLength = 3
    /// Lowest ORIGIN (§9.1.2.2 b).
    case origin = 4
    /// Lowest MULTI_EXIT_DISC among routes from the same neighbouring AS, or among all with always-compare-med
    /// (§9.1.2.2 c; absent counts as 0).
    case multiExitDiscriminator = 5
    /// eBGP over iBGP (§9.1.2.2 d).
    case externalOverInternal = 6
    /// Lowest interior cost to the next hop (§9.1.2.2 e).
    case igpCost = 7
    /// Lowest BGP Identifier, the ORIGINATOR_ID standing in for it when present (§9.1.2.2 f, RFC 4456 §9).
    case routerID = 8
    /// Shortest CLUSTER_LIST (RFC 4456 §9).
    case clusterListLength = 9
    /// Lowest neighbour address (§9.1.2.2 g).
    case neighborAddress = 10
    /// Lowest ADD-PATH Path Identifier, between paths from the same neighbour.
    case pathID = 11

    public static func < (lhs: DecisionStep, rhs: DecisionStep) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .onlyCandidate: "only candidate"
        case .locallyOriginated: "locally originated"
        case .localPreference: "higher LOCAL_PREF"
        case .asPathLength: "shorter AS_PATH"
        case .origin: "lower ORIGIN"
        case .multiExitDiscriminator: "lower MED"
        case .externalOverInternal: "eBGP over iBGP"
        case .igpCost: "lower IGP cost"
        case .routerID: "lower router ID"
        case .clusterListLength: "shorter CLUSTER_LIST"
        case .neighborAddress: "lower neighbor address"
        case .pathID: "lower path ID"
        }
    }
}
