// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/fib`: the kernel routing table as Peerlet sees it.
public struct FIBView: Codable, Hashable, Sendable {
    /// The table, protocol number and metric Peerlet installs with.
    public var table: UInt32
    public var protocolNumber: UInt8
    public var metric: UInt32
    /// Operation counters: applied, failed, overruns, reconciles.
    public var counters: [String: Int]
    /// The routes, by prefix (those matching the query's `prefix`, if any).
    public var routes: [FIBEntry]

    /// Creates a view.
    public init(table: UInt32, protocolNumber: UInt8, metric: UInt32, counters: [String: Int], routes: [FIBEntry]) {
        self.table = table
        self.protocolNumber = protocolNumber
        self.metric = metric
        self.counters = counters
        self.routes = routes
    }
}

/// One route Peerlet wants in the kernel.
public struct FIBEntry: Codable, Hashable, Sendable {
    /// The prefix.
    public var prefix: String
    /// The gateways (several: one multipath route); empty for an unreachable route.
    public var nextHops: [String]
    /// `unicast` or `unreachable`.
    public var type: String
    /// `installed`, `failed` (the kernel refused it: `error` says why) or `conflict` (a route of another protocol
    /// holds the same prefix and metric; Peerlet leaves it alone).
    public var state: String
    /// The kernel's refusal, e.g. "next hop not on a connected network (ENETUNREACH)".
    public var error: String?

    /// Creates an entry.
    public init(prefix: String, nextHops: [String], type: String, state: String, error: String?) {
        self.prefix = prefix
        self.nextHops = nextHops
        self.type = type
        self.state = state
        self.error = error
    }
}
