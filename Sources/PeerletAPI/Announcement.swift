// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `POST /v1/announcements`: a route this host originates on behalf of a client. `owner` names the client; the
/// same owner announcing the same prefix again replaces (and renews) it. With a lease the route is withdrawn when
/// the lease runs out unless it is announced again before, so a client that dies leaves nothing behind.
/// `DELETE /v1/announcements?prefix=P&owner=O` withdraws it; `GET /v1/announcements` lists them.
public struct Announcement: Codable, Hashable, Sendable {
    /// The prefix.
    public var prefix: String
    /// The client's name (1-64 printable characters).
    public var owner: String
    /// The lease in seconds (1-86400); none: until withdrawn.
    public var leaseSeconds: Int?
    /// Seconds left on the lease (in answers).
    public var expiresInSeconds: Int?
    /// Communities ("65000:42", "no-export"), large communities ("65000:1:2") and MED to attach.
    public var communities: [String]?
    public var largeCommunities: [String]?
    public var med: UInt32?

    /// Creates an announcement.
    public init(
        prefix: String, owner: String, leaseSeconds: Int? = nil, expiresInSeconds: Int? = nil, communities: [String]? = nil,
        largeCommunities: [String]? = nil, med: UInt32? = nil
    ) {
        self.prefix = prefix
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.expiresInSeconds = expiresInSeconds
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.med = med
    }
}

/// `POST /v1/neighbors/{address}/reset`: `soft` asks for a route refresh and re-sends the Adj-RIB-Out instead of
/// closing the session.
public struct ResetRequest: Codable, Hashable, Sendable {
    public var soft: Bool

    /// Creates a request.
    public init(soft: Bool) { self.soft = soft }
}
