// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// Path attribute type codes Peerlet interprets (IANA "BGP Path Attributes"), each with the Optional and
/// Transitive flag bits its specification prescribes. This is the attribute table: adding an attribute means
/// adding a case here and its decode/encode arm.
public enum PathAttributeCode: UInt8, Sendable, CaseIterable {
    /// ORIGIN, well-known mandatory (RFC 4271 §5.1.1).
    case origin = 1
    /// AS_PATH, well-known mandatory (§5.1.2).
    case asPath = 2
    /// NEXT_HOP, well-known mandatory (§5.1.3).
    case nextHop = 3
    /// MULTI_EXIT_DISC, optional non-transitive (§5.1.4).
    case multiExitDiscriminator = 4
    /// LOCAL_PREF, well-known (§5.1.5).
    case localPreference = 5
    /// ATOMIC_AGGREGATE, well-known discretionary (§5.1.6).
    case atomicAggregate = 6
    /// AGGREGATOR, optional transitive (§5.1.7).
    case aggregator = 7
    /// COMMUNITIES, optional transitive (RFC 1997).
    case communities = 8
    /// ORIGINATOR_ID, optional non-transitive (RFC 4456 §8).
    case originatorID = 9
    /// CLUSTER_LIST, optional non-transitive (RFC 4456 §8).
    case clusterList = 10
    /// MP_REACH_NLRI, optional non-transitive (RFC 4760 §3).
    case multiprotocolReachNLRI = 14
    /// MP_UNREACH_NLRI, optional non-transitive (RFC 4760 §4).
    case multiprotocolUnreachNLRI = 15
    /// EXTENDED COMMUNITIES, optional transitive (RFC 4360 §2).
    case extendedCommunities = 16
    /// AS4_PATH, optional transitive (RFC 6793 §3).
    case as4Path = 17
    /// AS4_AGGREGATOR, optional transitive (RFC 6793 §3).
    case as4Aggregator = 18
    /// LARGE_COMMUNITY, optional transitive (RFC 8092 §3).
    case largeCommunity = 32
    /// Only to Customer (OTC), optional transitive (RFC 9234 §5).
    case onlyToCustomer = 35

    /// The Optional (0x80) and Transitive (0x40) bits the attribute must carry.
    public var expectedFlags: UInt8 {
        switch self {
        case .origin, .asPath, .nextHop, .localPreference, .atomicAggregate: 0x40
        case .multiExitDiscriminator, .originatorID, .clusterList, .multiprotocolReachNLRI,
            .multiprotocolUnreachNLRI:
            0x80
        case .aggregator, .communities, .extendedCommunities, .as4Path, .as4Aggregator, .largeCommunity,
            .onlyToCustomer:
            0xC0
        }
    }
}

/// Attribute flag bits (RFC 4271 §4.3).
public enum AttributeFlags {
    /// Optional.
    public static let optional: UInt8 = 0x80
    /// Transitive.
    public static let transitive: UInt8 = 0x40
    /// Partial.
    public static let partial: UInt8 = 0x20
    /// Extended Length: the length field is two octets.
    public static let extendedLength: UInt8 = 0x10
}
