// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A decoded BGP message.
public enum BGPMessage: Hashable, Sendable {
    /// OPEN.
    case open(OpenMessage)
    /// UPDATE.
    case update(UpdateMessage)
    /// NOTIFICATION.
    case notification(NotificationMessage)
    /// KEEPALIVE.
    case keepalive
    /// ROUTE-REFRESH (with the RFC 7313 subtype).
    case routeRefresh(RouteRefreshMessage)

    /// The header type of this message.
    public var type: BGPMessageType {
        switch self {
        case .open: .open
        case .update: .update
        case .notification: .notification
        case .keepalive: .keepalive
        case .routeRefresh: .routeRefresh
        }
    }
}

/// The constants of the BGP header (RFC 4271 §4.1).
public enum BGPHeader {
    /// The header is 19 octets: 16 marker, 2 length, 1 type.
    public static let length = 19
    /// RFC 4271 §4: "The maximum message size is 4096 octets".
    public static let maximumMessageLength = 4096
    /// RFC 8654 §4: with the Extended Message capability on both sides, UPDATEs may be up to 65535 octets.
    public static let extendedMaximumMessageLength = 65535
}
