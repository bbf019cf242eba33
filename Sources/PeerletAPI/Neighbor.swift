// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/neighbors` (a list) and `GET /v1/neighbors/{address}`: one neighbour. The detail fields are present
/// only in the single-neighbour answer.
public struct NeighborState: Codable, Hashable, Sendable {
    /// The neighbour's address.
    public var address: String
    /// Its AS (asplain).
    public var peerAS: UInt32
    /// The configured description.
    public var description: String?
    /// The RFC 4271 §8 state: Idle, Connect, Active, OpenSent, OpenConfirm, Established.
    public var state: String
    /// Seconds in Established, when Established.
    public var uptimeSeconds: Int?
    /// Paths received (pre-policy Adj-RIB-In).
    public var received: Int
    /// Paths accepted by the import checks and policy.
    public var accepted: Int
    /// Prefixes advertised (Adj-RIB-Out), when Established.
    public var advertised: Int
    /// Why the last session or attempt ended.
    public var lastError: String?
    /// The detail, in `GET /v1/neighbors/{address}` only.
    public var detail: NeighborDetail?

    /// Creates a neighbour's state.
    public init(
        address: String, peerAS: UInt32, description: String?, state: String, uptimeSeconds: Int?, received: Int, accepted: Int,
        advertised: Int, lastError: String?, detail: NeighborDetail? = nil
    ) {
        self.address = address
        self.peerAS = peerAS
        self.description = description
        self.state = state
        self.uptimeSeconds = uptimeSeconds
        self.received = received
        self.accepted = accepted
        self.advertised = advertised
        self.lastError = lastError
        self.detail = detail
    }
}

/// A neighbour's session in detail.
public struct NeighborDetail: Codable, Hashable, Sendable {
    /// Our address on the session.
    public var localAddress: String?
    /// The neighbour's BGP identifier, when known.
    public var routerID: String?
    /// The negotiated hold time and keepalive interval, in seconds, when Established.
    public var holdTime: Int?
    public var keepaliveTime: Int?
    /// The negotiated capabilities by name (`ipv4-unicast`, `four-octet-as`, `route-refresh`, …), when Established.
    public var capabilities: [String]
    /// Messages received and sent, by type (`open`, `update`, `notification`, `keepalive`, `route-refresh`).
    public var messagesReceived: [String: UInt64]
    public var messagesSent: [String: UInt64]
    /// Transitions to Established since the start.
    public var establishedTransitions: Int
    /// The last NOTIFICATION sent and received.
    public var lastNotificationSent: NotificationInfo?
    public var lastNotificationReceived: NotificationInfo?
    /// RFC 7606 issues found in received UPDATEs.
    public var updateIssues: Int

    /// Creates a detail.
    public init(
        localAddress: String?, routerID: String?, holdTime: Int?, keepaliveTime: Int?, capabilities: [String],
        messagesReceived: [String: UInt64], messagesSent: [String: UInt64], establishedTransitions: Int,
        lastNotificationSent: NotificationInfo?, lastNotificationReceived: NotificationInfo?, updateIssues: Int
    ) {
        self.localAddress = localAddress
        self.routerID = routerID
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.capabilities = capabilities
        self.messagesReceived = messagesReceived
        self.messagesSent = messagesSent
        self.establishedTransitions = establishedTransitions
        self.lastNotificationSent = lastNotificationSent
        self.lastNotificationReceived = lastNotificationReceived
        self.updateIssues = updateIssues
    }
}

/// A NOTIFICATION, decoded.
public struct NotificationInfo: Codable, Hashable, Sendable {
    /// The error code and subcode (RFC 4271 §4.5).
    public var code: UInt8
    public var subcode: UInt8
    /// Their names, e.g. "Cease / Administrative Shutdown".
    public var name: String
    /// The RFC 9003 shutdown communication, if any.
    public var message: String?

    /// Creates a value.
    public init(code: UInt8, subcode: UInt8, name: String, message: String?) {
        self.code = code
        self.subcode = subcode
        self.name = name
        self.message = message
    }
}
