// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/events`: a stream of session and route changes, one JSON object per line (NDJSON), as they happen.
/// A subscriber that reads too slowly loses the oldest events, never the daemon's time: the `dropped` count of
/// the next event says how many.
public struct Event: Codable, Hashable, Sendable {
    /// `session` or `route`.
    public var kind: String
    /// Seconds since the daemon started, with millisecond precision.
    public var time: Double
    /// For `session`: the neighbour, and `Established` or `down` with the reason.
    public var neighbor: String?
    public var state: String?
    public var reason: String?
    /// For `route`: the prefix, `best` (a new or changed best path) or `withdrawn`, the source and next hops.
    public var prefix: String?
    public var change: String?
    public var source: String?
    public var nextHops: [String]?
    /// Events this subscriber missed before this one because it read too slowly.
    public var dropped: Int?

    /// Creates an event.
    public init(
        kind: String, time: Double, neighbor: String? = nil, state: String? = nil, reason: String? = nil, prefix: String? = nil,
        change: String? = nil, source: String? = nil, nextHops: [String]? = nil, dropped: Int? = nil
    ) {
        self.kind = kind
        self.time = time
        self.neighbor = neighbor
        self.state = state
        self.reason = reason
        self.prefix = prefix
        self.change = change
        self.source = source
        self.nextHops = nextHops
        self.dropped = dropped
    }
}
