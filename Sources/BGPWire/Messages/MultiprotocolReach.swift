// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// The MP_REACH_NLRI attribute (type 14, RFC 4760 §3): a family, its next hop(s) and reachable NLRI.
public struct MultiprotocolReach: Hashable, Sendable {
    /// The family of the NLRI.
    public var family: AddressFamily
    /// The next hop: one address, or for IPv6 a global and a link-local address (RFC 2545 §3).
    public var nextHops: [IPAddress]
    /// Reachable destinations.
    public var nlri: [NLRI]

    /// Creates the attribute.
    public init(family: AddressFamily, nextHops: [IPAddress], nlri: [NLRI]) {
        self.family = family
        self.nextHops = nextHops
        self.nlri = nlri
    }
}

/// The MP_UNREACH_NLRI attribute (type 15, RFC 4760 §4): a family and withdrawn NLRI. With no NLRI it is the
/// End-of-RIB marker for that family (RFC 4724 §2).
public struct MultiprotocolUnreach: Hashable, Sendable {
    /// The family of the withdrawn NLRI.
    public var family: AddressFamily
    /// Withdrawn destinations.
    public var withdrawn: [NLRI]

    /// Creates the attribute.
    public init(family: AddressFamily, withdrawn: [NLRI]) {
        self.family = family
        self.withdrawn = withdrawn
    }
}
