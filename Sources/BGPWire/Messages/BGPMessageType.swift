// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The message type octet of the BGP header (RFC 4271 §4.1, RFC 2918 §3).
public enum BGPMessageType: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// OPEN (§4.2).
    case open = 1
    /// UPDATE (§4.3).
    case update = 2
    /// NOTIFICATION (§4.5).
    case notification = 3
    /// KEEPALIVE (§4.4).
    case keepalive = 4
    /// ROUTE-REFRESH (RFC 2918).
    case routeRefresh = 5

    public var description: String {
        switch self {
        case .open: "OPEN"
        case .update: "UPDATE"
        case .notification: "NOTIFICATION"
        case .keepalive: "KEEPALIVE"
        case .routeRefresh: "ROUTE-REFRESH"
        }
    }
}
