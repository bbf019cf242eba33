// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A small number that names a path's source in the RIB. 0 is the local speaker (configured networks, the API,
/// kernel-discovered workloads); neighbours are numbered from 1.
public struct PeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number.
    public var rawValue: UInt16
    /// Creates an identifier.
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    /// Locally originated routes.
    public static let local = PeerID(0)
    public var description: String { self == .local ? "local" : "peer#\(rawValue)" }
    public static func < (lhs: PeerID, rhs: PeerID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What the RIB needs to know about a neighbour to choose and pass on its routes.
public struct RIBPeer: Hashable, Sendable {
    /// The RIB's name for the neighbour.
    public var id: PeerID
    /// The neighbour's address (the last decision tie-break, RFC 4271 §9.1.2.2 g).
    public var address: IPAddress
    /// The neighbour's AS.
    public var asn: ASN
    /// The neighbour's BGP Identifier (decision tie-break f).
    public var routerID: RouterID
    /// True for eBGP.
    public var isExternal: Bool
    /// An iBGP neighbour that is our route-reflection client (RFC 4456).
    public var isRouteReflectorClient: Bool
    /// How many times our own AS may appear in a path from this neighbour (allowas-in); 0 means none.
    public var allowOwnAS: Int

    /// Creates a neighbour description.
    public init(
        id: PeerID, address: IPAddress, asn: ASN, routerID: RouterID, isExternal: Bool,
        isRouteReflectorClient: Bool = false, allowOwnAS: Int = 0
    ) {
        self.id = id
        self.address = address
        self.asn = asn
        self.routerID = routerID
        self.isExternal = isExternal
        self.isRouteReflectorClient = isRouteReflectorClient
        self.allowOwnAS = allowOwnAS
    }
}
