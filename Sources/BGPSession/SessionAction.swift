// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPWire

/// What the transport must do for the machine. Actions are executed in order.
public enum SessionAction: Hashable, Sendable {
    /// Open a TCP connection to the neighbour (cancelling any attempt still in flight).
    case connect
    /// Abandon the outgoing connection attempt in flight, if any.
    case cancelConnect
    /// Write a message on a connection.
    case send(ConnectionID, BGPMessage)
    /// Close a connection (after the writes before it are flushed).
    case close(ConnectionID)
    /// (Re)arm a timer; an armed timer of the same identity is replaced.
    case armTimer(SessionTimer, Duration)
    /// Cancel a timer if armed.
    case cancelTimer(SessionTimer)
    /// The session reached Established on this connection with these negotiated parameters.
    case established(ConnectionID, NegotiatedSession)
    /// The Established session ended; routes learned over it must be handled (flushed, or kept as stale).
    case sessionDown(SessionDownReason)
    /// An UPDATE to apply to the RIB (already turned into withdrawals where RFC 7606 said so).
    case deliver(UpdateMessage)
    /// The RFC 7606 problems found in an UPDATE, for logs and counters.
    case reportIssues([AttributeIssue])
    /// The neighbour asked for a route refresh (RFC 2918) or marked its beginning/end (RFC 7313).
    case routeRefresh(RouteRefreshMessage)
    /// A connection attempt or session attempt failed before Established; for logs and the CLI.
    case attemptFailed(SessionDownReason)
}

/// The timers of RFC 4271 §10 plus RFC 9687's, per connection where they belong to one.
public struct SessionTimer: Hashable, Sendable, CustomStringConvertible {
    /// Which timer.
    public var kind: Kind
    /// The connection it belongs to (`nil` for the neighbour-wide ConnectRetry and IdleHold timers).
    public var connection: ConnectionID?

    /// Creates a timer identity.
    public init(_ kind: Kind, _ connection: ConnectionID? = nil) {
        self.kind = kind
        self.connection = connection
    }

    /// The timer kinds.
    public enum Kind: Hashable, Sendable {
        /// ConnectRetryTimer (Event 9).
        case connectRetry
        /// HoldTimer (Event 10).
        case hold
        /// KeepaliveTimer (Event 11).
        case keepalive
        /// DelayOpenTimer (Event 12).
        case delayOpen
        /// IdleHoldTimer (Event 13): the backoff before an automatic restart.
        case idleHold
        /// SendHoldTimer (RFC 9687).
        case sendHold
    }

    public var description: String {
        connection.map { "\(kind)\($0)" } ?? "\(kind)"
    }
}

/// Why a session ended, or an attempt failed.
public enum SessionDownReason: Hashable, Sendable, CustomStringConvertible {
    /// We sent this NOTIFICATION.
    case notificationSent(NotificationMessage, reason: String)
    /// The neighbour sent this NOTIFICATION.
    case notificationReceived(NotificationMessage)
    /// The TCP connection closed or failed.
    case connectionClosed
    /// The outgoing TCP connection could not be made.
    case connectFailed
    /// Stopped by configuration or operator.
    case stopped

    public var description: String {
        switch self {
        case .notificationSent(let n, let reason): "sent NOTIFICATION \(n)" + (reason.isEmpty ? "" : ": \(reason)")
        case .notificationReceived(let n): "received NOTIFICATION \(n)"
        case .connectionClosed: "connection closed"
        case .connectFailed: "connect failed"
        case .stopped: "stopped"
        }
    }
}
