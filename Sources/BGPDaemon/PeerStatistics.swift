// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPSession
public import BGPWire
public import NIOCore

/// Per-neighbour counters and last events, kept by the `PeerController`.
public struct PeerStatistics: Sendable {
    /// Messages received by type.
    public var received: [BGPMessageType: UInt64] = [:]
    /// Messages sent by type.
    public var sent: [BGPMessageType: UInt64] = [:]
    /// How many times the session reached Established.
    public var establishedCount = 0
    /// When the current Established period began (monotonic).
    public var establishedSince: NIODeadline?
    /// The last reason a session or an attempt ended.
    public var lastError: String?
    /// The last NOTIFICATION we sent.
    public var lastNotificationSent: NotificationMessage?
    /// The last NOTIFICATION we received.
    public var lastNotificationReceived: NotificationMessage?
    /// RFC 7606 issues found in received UPDATEs.
    public var updateIssues = 0
    /// NOTIFICATIONs received and sent, by error code.
    public var notificationsReceived: [UInt8: UInt64] = [:]
    public var notificationsSent: [UInt8: UInt64] = [:]

    mutating func countReceived(_ message: BGPMessage) {
        received[message.type, default: 0] += 1
        if case .notification(let n) = message {
            lastNotificationReceived = n
            notificationsReceived[n.code.rawValue, default: 0] += 1
        }
    }

    mutating func countSent(_ message: BGPMessage) {
        sent[message.type, default: 0] += 1
        if case .notification(let n) = message { notificationsSent[n.code.rawValue, default: 0] += 1 }
    }

    mutating func established(at time: NIODeadline) {
        establishedCount += 1
        establishedSince = time
    }

    mutating func down(_ reason: SessionDownReason) {
        establishedSince = nil
        lastError = reason.description
    }
}
