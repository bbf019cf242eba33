// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The path attributes of a route, decoded (RFC 4271 §5, RFC 4456, RFC 4360, RFC 8092, RFC 9234).
///
/// MP_REACH_NLRI and MP_UNREACH_NLRI are not here: they carry NLRI, not route properties, so the wire codec
/// keeps them on the UPDATE message. AS4_PATH and AS4_AGGREGATOR are merged into `asPath` and `aggregator`
/// on decode (RFC 6793 §4.2.3) and regenerated on encode for 2-octet neighbours.
///
/// The type is a plain value, `Hashable`, so the RIB can intern identical sets.
public struct PathAttributes: Hashable, Sendable {
    /// ORIGIN (type 1), well-known mandatory.
    public var origin: Origin?
    /// AS_PATH (type 2), well-known mandatory, with 4-octet ASNs.
    public var asPath: ASPath?
    /// NEXT_HOP (type 3), well-known mandatory for IPv4 NLRI in the UPDATE's own NLRI field.
    public var nextHop: IPv4Address?
    /// MULTI_EXIT_DISC (type 4), optional non-transitive.
    public var multiExitDiscriminator: UInt32?
    /// LOCAL_PREF (type 5), well-known, iBGP only.
    public var localPreference: UInt32?
    /// ATOMIC_AGGREGATE (type 6), well-known discretionary.
    public var atomicAggregate: Bool
    /// AGGREGATOR (type 7) merged with AS4_AGGREGATOR (type 18).
    public var aggregator: Aggregator?
    /// COMMUNITIES (type 8, RFC 1997), in received order.
    public var communities: [Community]
    /// ORIGINATOR_ID (type 9, RFC 4456).
    public var originatorID: RouterID?
    /// CLUSTER_LIST (type 10, RFC 4456).
    public var clusterList: [RouterID]
    /// EXTENDED COMMUNITIES (type 16, RFC 4360).
    public var extendedCommunities: [ExtendedCommunity]
    /// LARGE_COMMUNITY (type 32, RFC 8092).
    public var largeCommunities: [LargeCommunity]
    /// Only to Customer (type 35, RFC 9234).
    public var onlyToCustomer: ASN?
    /// Attributes Peerlet does not interpret (optional transitive ones are passed on).
    public var unknown: [RawPathAttribute]

    /// Creates an attribute set; every attribute defaults to absent.
    public init(
        origin: Origin? = nil,
        asPath: ASPath? = nil,
        nextHop: IPv4Address? = nil,
        multiExitDiscriminator: UInt32? = nil,
        localPreference: UInt32? = nil,
        atomicAggregate: Bool = false,
        aggregator: Aggregator? = nil,
        communities: [Community] = [],
        originatorID: RouterID? = nil,
        clusterList: [RouterID] = [],
        extendedCommunities: [ExtendedCommunity] = [],
        largeCommunities: [LargeCommunity] = [],
        onlyToCustomer: ASN? = nil,
        unknown: [RawPathAttribute] = []
    ) {
        self.origin = origin
        self.asPath = asPath
        self.nextHop = nextHop
        self.multiExitDiscriminator = multiExitDiscriminator
        self.localPreference = localPreference
        self.atomicAggregate = atomicAggregate
        self.aggregator = aggregator
        self.communities = communities
        self.originatorID = originatorID
        self.clusterList = clusterList
        self.extendedCommunities = extendedCommunities
        self.largeCommunities = largeCommunities
        self.onlyToCustomer = onlyToCustomer
        self.unknown = unknown
    }

    /// True when no attribute at all is present (an UPDATE that only withdraws).
    public var isEmpty: Bool { self == PathAttributes() }
}
