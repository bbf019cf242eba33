// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// Everything about a path except its prefix: the path attributes and the next hop(s) to forward to.
/// This is the unit the RIB interns: the thousands of workload /32s a host announces, or the routes one
/// neighbour sends in one UPDATE, share a single stored copy.
public struct RouteAttributes: Hashable, Sendable {
    /// The path attributes (without MP_REACH/MP_UNREACH).
    public var attributes: PathAttributes
    /// The forwarding next hop: NEXT_HOP for IPv4 NLRI, the global address of MP_REACH_NLRI otherwise.
    /// `nil` for locally originated routes (the kernel knows where they go).
    public var nextHop: IPAddress?
    /// The link-local IPv6 next hop of RFC 2545 §3, when one was sent.
    public var linkLocalNextHop: IPv6Address?

    /// Creates a value.
    public init(attributes: PathAttributes, nextHop: IPAddress? = nil, linkLocalNextHop: IPv6Address? = nil) {
        self.attributes = attributes
        self.nextHop = nextHop
        self.linkLocalNextHop = linkLocalNextHop
    }
}
