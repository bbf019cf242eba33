// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/explain?prefix=P`: the whole pipeline for one prefix, in one answer.
public struct Explanation: Codable, Hashable, Sendable {
    /// The prefix.
    public var prefix: String
    /// One line: what happened to it, e.g. "best from 10.0.1.1 (only candidate); advertised to 2 of 2; installed".
    public var summary: String
    /// Every path Peerlet has for it: where it came from, what import did, how the decision ranked it.
    public var candidates: [ExplainedPath]
    /// The step of the decision process that chose the best path, when there is one.
    public var decidedBy: String?
    /// The export decision for every neighbour.
    public var exports: [ExportDecision]
    /// The kernel FIB entry, when the FIB is on and the prefix is (or should be) in it.
    public var fib: FIBEntry?
    /// Workload discovery's verdict, when discovery is on.
    public var workload: String?

    /// Creates an explanation.
    public init(
        prefix: String, summary: String, candidates: [ExplainedPath], decidedBy: String?, exports: [ExportDecision], fib: FIBEntry?,
        workload: String?
    ) {
        self.prefix = prefix
        self.summary = summary
        self.candidates = candidates
        self.decidedBy = decidedBy
        self.exports = exports
        self.fib = fib
        self.workload = workload
    }
}

/// One candidate path.
public struct ExplainedPath: Codable, Hashable, Sendable {
    /// The path as stored (source, attributes, status).
    public var path: PathEntry
    /// Where it came from in words: "neighbor 10.0.1.1 (AS 65001)", "configuration (networks)",
    /// "workload on cali1a", "API (owner ci, lease 25 s left)".
    public var origin: String
    /// The import verdict: "accepted", "accepted by term fabric of policy from-tor", "rejected by …", or the
    /// RFC 4271 check that made it ineligible.
    public var importResult: String
    /// The decision: "best", "multipath", or "lost at <step> to <source>".
    public var decision: String

    /// Creates a value.
    public init(path: PathEntry, origin: String, importResult: String, decision: String) {
        self.path = path
        self.origin = origin
        self.importResult = importResult
        self.decision = decision
    }
}

/// Whether the best path goes to one neighbour, and why (not).
public struct ExportDecision: Codable, Hashable, Sendable {
    /// The neighbour's address.
    public var neighbor: String
    /// True when it is advertised.
    public var advertised: Bool
    /// "accepted by term … of policy …", "export: originated", "learned from this neighbor", "iBGP split
    /// horizon", "NO_EXPORT community", "rejected by …", "session not Established", "family not negotiated",
    /// "no route".
    public var reason: String

    /// Creates a value.
    public init(neighbor: String, advertised: Bool, reason: String) {
        self.neighbor = neighbor
        self.advertised = advertised
        self.reason = reason
    }
}
