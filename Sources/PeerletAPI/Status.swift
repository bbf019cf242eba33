// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/status`: the daemon at a glance.
public struct DaemonStatus: Codable, Hashable, Sendable {
    /// peerletd's version.
    public var version: String
    /// The BGP identifier.
    public var routerID: String
    /// The local AS (asplain).
    public var localAS: UInt32
    /// Seconds since the daemon started.
    public var uptimeSeconds: Int
    /// Configured neighbours.
    public var neighbors: Int
    /// Neighbours in Established.
    public var established: Int
    /// Loc-RIB prefixes per family (`ipv4`, `ipv6`).
    public var prefixes: [String: Int]
    /// Interned attribute sets.
    public var attributeSets: Int
    /// Locally originated prefixes (networks, workloads, blocks, API announcements).
    public var originated: Int
    /// The kernel FIB: `nil` when `fib.enabled` is false.
    public var fib: FIBSummary?

    /// Creates a status.
    public init(
        version: String, routerID: String, localAS: UInt32, uptimeSeconds: Int, neighbors: Int, established: Int,
        prefixes: [String: Int], attributeSets: Int, originated: Int, fib: FIBSummary?
    ) {
        self.version = version
        self.routerID = routerID
        self.localAS = localAS
        self.uptimeSeconds = uptimeSeconds
        self.neighbors = neighbors
        self.established = established
        self.prefixes = prefixes
        self.attributeSets = attributeSets
        self.originated = originated
        self.fib = fib
    }
}

/// The FIB's counts.
public struct FIBSummary: Codable, Hashable, Sendable {
    /// Routes Peerlet wants in the kernel.
    public var wanted: Int
    /// Routes the kernel refused.
    public var failed: Int
    /// Routes not installed because another protocol holds the key.
    public var conflicts: Int

    /// Creates a summary.
    public init(wanted: Int, failed: Int, conflicts: Int) {
        self.wanted = wanted
        self.failed = failed
        self.conflicts = conflicts
    }
}
