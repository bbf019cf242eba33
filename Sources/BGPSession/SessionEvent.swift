// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPWire

/// Identifies one TCP connection of a neighbour. The transport allocates them; the machine only compares.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    /// The identifier.
    public var rawValue: UInt64
    /// Creates an identifier.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}

/// Everything that can happen to a session (RFC 4271 §8.1, event numbers in each case's comment).
public enum SessionEvent: Hashable, Sendable {
    /// Events 1/3: ManualStart / AutomaticStart (with PassiveTcpEstablishment when configured passive).
    case start
    /// Event 2: ManualStop; sends Cease/Administrative Shutdown with the RFC 9003 communication.
    case stop(communication: String?)
    /// Event 2 variant: Cease with another subcode (reset, de-configured, max prefix...); the session restarts
    /// after the idle hold time unless `restart` is false.
    case reset(CeaseSubcode, communication: String?, restart: Bool)
    /// Ends the session with this NOTIFICATION (a Cease the speaker decided on, e.g. Maximum Number of Prefixes
    /// Reached with its RFC 4486 data) and restarts it after `restartAfter`, or never when `nil`.
    case cease(NotificationMessage, restartAfter: Duration?)
    /// Events 9-13 and the RFC 9687 SendHoldTimer_Expires: a timer the machine armed has fired.
    case timerExpired(SessionTimer)
    /// Event 16: Tcp_CR_Acked: our outgoing connection is up.
    case tcpConnectionAcknowledged(ConnectionID)
    /// Event 17: TcpConnectionConfirmed: an incoming connection from the neighbour was accepted.
    case tcpConnectionConfirmed(ConnectionID)
    /// Event 18 for the outgoing attempt: the connect failed before a connection existed.
    case tcpConnectionAttemptFailed
    /// Event 18: TcpConnectionFails: an existing connection was closed or broke.
    case tcpConnectionClosed(ConnectionID)
    /// Events 19, 25-27 and ROUTE-REFRESH: a well-formed message arrived; UPDATE issues ride along.
    case messageReceived(ConnectionID, BGPMessage, issues: [AttributeIssue])
    /// Events 21, 22, 28: a message could not be decoded; the error carries the NOTIFICATION to send.
    case messageError(ConnectionID, MessageError)
    /// RFC 9687 input: the connection's send buffer filled (`false`) or drained (`true`).
    case writabilityChanged(ConnectionID, isWritable: Bool)
}
