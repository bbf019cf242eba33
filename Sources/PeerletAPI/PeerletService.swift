// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// What the API serves: implemented by the daemon (`BGPSpeaker`), served over HTTP by `PeerletServer`, so the
/// HTTP layer never sees the daemon's types and the daemon never sees HTTP. Failures are `Problem`s.
public protocol PeerletService: Sendable {
    func status() async throws -> DaemonStatus
    func neighbors() async throws -> [NeighborState]
    func neighbor(_ address: String) async throws -> NeighborState
    func routes(_ query: RouteQuery) async throws -> [RouteEntry]
    func fib(prefix: String?) async throws -> FIBView
    func explain(_ prefix: String) async throws -> Explanation
    func announcements() async throws -> [Announcement]
    func announce(_ announcement: Announcement) async throws -> Announcement
    func withdraw(prefix: String, owner: String) async throws
    func reset(neighbor address: String, soft: Bool) async throws
    func reload(dryRun: Bool) async throws -> ReloadReport
    /// Session and route changes from now on, until the consumer stops reading.
    func events() -> AsyncStream<Event>
}
