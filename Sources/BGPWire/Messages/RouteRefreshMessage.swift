// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A ROUTE-REFRESH message (RFC 2918 §3) with the RFC 7313 §3.2 Message Subtype in the old Reserved octet.
public struct RouteRefreshMessage: Hashable, Sendable {
    /// The family to refresh.
    public var family: AddressFamily
    /// The subtype.
    public var subtype: Subtype

    /// Creates a ROUTE-REFRESH.
    public init(family: AddressFamily, subtype: Subtype = .normal) {
        self.family = family
        self.subtype = subtype
    }

    /// The RFC 7313 message subtypes; any other value must be ignored by the receiver (§5).
    public struct Subtype: RawRepresentable, Hashable, Sendable {
        /// The subtype octet.
        public var rawValue: UInt8
        /// Creates a subtype from its value.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// 0: a normal route refresh request (RFC 2918).
        public static let normal = Subtype(rawValue: 0)
        /// 1: Beginning of Route Refresh (BoRR).
        public static let beginningOfRouteRefresh = Subtype(rawValue: 1)
        /// 2: End of Route Refresh (EoRR).
        public static let endOfRouteRefresh = Subtype(rawValue: 2)
    }
}
