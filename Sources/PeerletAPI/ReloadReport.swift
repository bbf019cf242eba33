// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `POST /v1/reload` (body `{"dryRun": true}` to only look): what the new configuration file changes, and
/// whether it was applied. A file with errors, or one that changes what only a restart can, is refused with a
/// 422 problem and nothing changes.
public struct ReloadReport: Codable, Hashable, Sendable {
    /// False for a dry run (and when nothing changed).
    public var applied: Bool
    public var dryRun: Bool
    /// Neighbours added and removed.
    public var added: [String]
    public var removed: [String]
    /// Neighbours whose session is reset, with the settings that changed.
    public var reset: [NeighborChange]
    /// Neighbours changed without a reset.
    public var updated: [NeighborChange]
    /// Neighbours whose routes are re-imported (import policy changed) and re-exported (export changed).
    public var reimported: [String]
    public var reexported: [String]
    /// Policies that changed.
    public var policies: [String]
    /// Networks announced and withdrawn.
    public var networksAdded: [String]
    public var networksRemoved: [String]

    /// Creates a report.
    public init(
        applied: Bool, dryRun: Bool, added: [String], removed: [String], reset: [NeighborChange], updated: [NeighborChange],
        reimported: [String], reexported: [String], policies: [String], networksAdded: [String], networksRemoved: [String]
    ) {
        self.applied = applied
        self.dryRun = dryRun
        self.added = added
        self.removed = removed
        self.reset = reset
        self.updated = updated
        self.reimported = reimported
        self.reexported = reexported
        self.policies = policies
        self.networksAdded = networksAdded
        self.networksRemoved = networksRemoved
    }
}

/// One neighbour and what changed for it.
public struct NeighborChange: Codable, Hashable, Sendable {
    public var neighbor: String
    public var changes: [String]

    /// Creates a value.
    public init(neighbor: String, changes: [String]) {
        self.neighbor = neighbor
        self.changes = changes
    }
}

/// The body of `POST /v1/reload`.
public struct ReloadRequest: Codable, Hashable, Sendable {
    public var dryRun: Bool

    /// Creates a request.
    public init(dryRun: Bool) { self.dryRun = dryRun }
}
