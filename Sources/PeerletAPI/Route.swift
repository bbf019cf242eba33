// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `GET /v1/routes`: one prefix and its paths. Which paths depends on the view: the Loc-RIB (every path with its
/// state), Adj-RIB-In of one neighbour (pre- or post-policy), or Adj-RIB-Out to one neighbour (as sent).
public struct RouteEntry: Codable, Hashable, Sendable {
    /// The prefix.
    public var prefix: String
    /// The paths.
    public var paths: [PathEntry]

    /// Creates an entry.
    public init(prefix: String, paths: [PathEntry]) {
        self.prefix = prefix
        self.paths = paths
    }
}

/// One path.
public struct PathEntry: Codable, Hashable, Sendable {
    /// Where it came from: a neighbour's address, or `local` (configuration, workloads, the API).
    public var source: String
    /// The ADD-PATH Path Identifier, when one is used.
    public var pathID: UInt32?
    /// The next hop(s).
    public var nextHops: [String]
    /// The AS_PATH, as text ("65001 65002 {65003,65004}").
    public var asPath: String
    /// IGP, EGP or incomplete.
    public var origin: String
    public var localPreference: UInt32?
    public var med: UInt32?
    /// Communities ("65000:42", well-known ones by name) and large communities ("65000:1:2").
    public var communities: [String]
    public var largeCommunities: [String]
    /// `best`, `multipath`, `candidate` or `ineligible`.
    public var status: String
    /// Why it is ineligible, or what made it lose.
    public var reason: String?

    /// Creates a path.
    public init(
        source: String, pathID: UInt32?, nextHops: [String], asPath: String, origin: String, localPreference: UInt32?, med: UInt32?,
        communities: [String], largeCommunities: [String], status: String, reason: String?
    ) {
        self.source = source
        self.pathID = pathID
        self.nextHops = nextHops
        self.asPath = asPath
        self.origin = origin
        self.localPreference = localPreference
        self.med = med
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.status = status
        self.reason = reason
    }
}

/// What `GET /v1/routes` selects. Query parameters: `prefix`, `longer` (with `prefix`: that prefix and every
/// more specific one), `neighbor`, `family` (`ipv4`, `ipv6`), `view` (`loc-rib`, the default; `received`:
/// Adj-RIB-In pre-policy; `accepted`: post-policy; `advertised`: Adj-RIB-Out, which need `neighbor`), `limit`.
public struct RouteQuery: Hashable, Sendable {
    /// The views.
    public enum View: String, Sendable, CaseIterable {
        case locRIB = "loc-rib"
        case received
        case accepted
        case advertised
    }

    public var prefix: String?
    public var longer: Bool
    public var neighbor: String?
    public var family: String?
    public var view: View
    public var limit: Int?

    /// Creates a query.
    public init(prefix: String? = nil, longer: Bool = false, neighbor: String? = nil, family: String? = nil, view: View = .locRIB, limit: Int? = nil) {
        self.prefix = prefix
        self.longer = longer
        self.neighbor = neighbor
        self.family = family
        self.view = view
        self.limit = limit
    }
}
