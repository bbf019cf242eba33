// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A named routing policy: terms tried in order, each with conditions, attribute changes and a verdict.
/// These are definitions (what the configuration says); `BGPRIB.CompiledPolicy` evaluates them.
public struct PolicyDefinition: Hashable, Sendable {
    /// The policy's name.
    public var name: String
    /// The terms, in order.
    public var terms: [PolicyTerm]
    /// What happens to a route that no terminal term decided: reject, unless configured otherwise.
    public var defaultVerdict: PolicyVerdict

    /// Creates a policy.
    public init(name: String, terms: [PolicyTerm], defaultVerdict: PolicyVerdict = .reject) {
        self.name = name
        self.terms = terms
        self.defaultVerdict = defaultVerdict
    }
}

/// One term: if every condition in `match` holds, `actions` change the route and `verdict` says what next.
public struct PolicyTerm: Hashable, Sendable {
    /// The term's name (shown by explain).
    public var name: String
    /// Conditions; an empty match matches everything.
    public var match: PolicyMatch
    /// Attribute changes applied when the term matches.
    public var actions: PolicyActions
    /// Accept or reject (final), or continue with the next term.
    public var verdict: PolicyVerdict

    /// Creates a term.
    public init(name: String, match: PolicyMatch = PolicyMatch(), actions: PolicyActions = PolicyActions(), verdict: PolicyVerdict = .next) {
        self.name = name
        self.match = match
        self.actions = actions
        self.verdict = verdict
    }
}

/// What a term decides.
public enum PolicyVerdict: String, Hashable, Sendable {
    /// The route is accepted (with the changes so far).
    case accept
    /// The route is rejected.
    case reject
    /// Evaluation goes on with the next term.
    case next
}

/// A prefix condition: `prefix` with a length between `minimumLength` and `maximumLength` (ge/le).
public struct PrefixMatch: Hashable, Sendable, CustomStringConvertible {
    /// The covering prefix.
    public var prefix: IPPrefix
    /// The shortest matching length (default: the prefix's own).
    public var minimumLength: UInt8
    /// The longest matching length (default: the prefix's own).
    public var maximumLength: UInt8

    /// Creates a prefix condition; without ge/le only the prefix itself matches.
    public init(prefix: IPPrefix, minimumLength: UInt8? = nil, maximumLength: UInt8? = nil) {
        self.prefix = prefix
        self.minimumLength = minimumLength ?? prefix.length
        self.maximumLength = maximumLength ?? minimumLength.map { max($0, prefix.length) } ?? prefix.length
    }

    /// True when `candidate` lies within `prefix` with a length in range.
    public func matches(_ candidate: IPPrefix) -> Bool {
        (minimumLength...maximumLength).contains(candidate.length) && prefix.contains(candidate)
    }

    public var description: String {
        var text = prefix.description
        if minimumLength != prefix.length { text += " ge \(minimumLength)" }
        if maximumLength != prefix.length { text += " le \(maximumLength)" }
        return text
    }
}

/// The conditions of a term. Each list is "any of"; every non-empty condition must hold.
public struct PolicyMatch: Hashable, Sendable {
    /// The prefix is in one of these.
    public var prefixes: [PrefixMatch]
    /// The route carries one of these communities.
    public var communities: [Community]
    /// The route carries one of these extended communities.
    public var extendedCommunities: [ExtendedCommunity]
    /// The route carries one of these large communities.
    public var largeCommunities: [LargeCommunity]
    /// The AS path, written as space-separated ASNs, matches this regular expression (`_` matches a boundary,
    /// as in Cisco/FRR: `^65101_`, `_65000$`).
    public var asPathPattern: String?
    /// The AS path contains one of these ASNs.
    public var asPathContains: [ASN]
    /// The route came from one of these neighbours.
    public var neighbors: [IPAddress]
    /// The route's next hop is one of these.
    public var nextHops: [IPAddress]
    /// The route is of one of these families.
    public var families: [AddressFamily]
    /// The route is (true) or is not (false) originated by this speaker.
    public var locallyOriginated: Bool?

    /// Creates conditions; all empty matches everything.
    public init(
        prefixes: [PrefixMatch] = [], communities: [Community] = [], extendedCommunities: [ExtendedCommunity] = [],
        largeCommunities: [LargeCommunity] = [], asPathPattern: String? = nil, asPathContains: [ASN] = [],
        neighbors: [IPAddress] = [], nextHops: [IPAddress] = [], families: [AddressFamily] = [], locallyOriginated: Bool? = nil
    ) {
        self.prefixes = prefixes
        self.communities = communities
        self.extendedCommunities = extendedCommunities
        self.largeCommunities = largeCommunities
        self.asPathPattern = asPathPattern
        self.asPathContains = asPathContains
        self.neighbors = neighbors
        self.nextHops = nextHops
        self.families = families
        self.locallyOriginated = locallyOriginated
    }

    /// Compiles an AS-path pattern: a regular expression over the path written as space-separated ASNs, where
    /// `_` stands for a boundary (start, end, or a separator), as in Cisco and FRR.
    public static func compileASPathPattern(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        var translated = ""
        var escaped = false
        for character in pattern {
            if escaped {
                translated.append(character)
                escaped = false
            } else if character == "\\" {
                translated.append(character)
                escaped = true
            } else if character == "_" {
                translated += "(?:^|$|[ {}()\\[\\]])"
            } else {
                translated.append(character)
            }
        }
        return try Regex(translated)
    }

    /// True when a condition looks at the prefix (so a result cannot be shared between prefixes).
    public var dependsOnPrefix: Bool { !prefixes.isEmpty || !families.isEmpty }
}

/// The attribute changes of a term.
public struct PolicyActions: Hashable, Sendable {
    /// Set LOCAL_PREF.
    public var localPreference: UInt32?
    /// Set MULTI_EXIT_DISC.
    public var med: UInt32?
    /// Set the next hop: `nil` leaves it, `.self` makes this speaker the next hop.
    public var nextHop: NextHopAction?
    /// Standard community changes.
    public var communities: CommunityEdit<Community>?
    /// Extended community changes.
    public var extendedCommunities: CommunityEdit<ExtendedCommunity>?
    /// Large community changes.
    public var largeCommunities: CommunityEdit<LargeCommunity>?
    /// Prepend an ASN (our own when `asn` is nil) this many times.
    public var asPathPrepend: ASPathPrepend?

    /// Creates changes; all nil changes nothing.
    public init(
        localPreference: UInt32? = nil, med: UInt32? = nil, nextHop: NextHopAction? = nil, communities: CommunityEdit<Community>? = nil,
        extendedCommunities: CommunityEdit<ExtendedCommunity>? = nil, largeCommunities: CommunityEdit<LargeCommunity>? = nil,
        asPathPrepend: ASPathPrepend? = nil
    ) {
        self.localPreference = localPreference
        self.med = med
        self.nextHop = nextHop
        self.communities = communities
        self.extendedCommunities = extendedCommunities
        self.largeCommunities = largeCommunities
        self.asPathPrepend = asPathPrepend
    }

    /// True when the term changes nothing.
    public var isEmpty: Bool { self == PolicyActions() }
}

/// A next-hop action.
public enum NextHopAction: Hashable, Sendable {
    /// This speaker (its address on the session).
    case `self`
    /// A fixed address.
    case address(IPAddress)
}

/// Community list changes: `replace` (if given) first, then `remove`, then `add`.
public struct CommunityEdit<Value: Hashable & Sendable>: Hashable, Sendable {
    /// Values added (if not present).
    public var add: [Value]
    /// Values removed.
    public var remove: [Value]
    /// The whole list replaced by this.
    public var replace: [Value]?

    /// Creates an edit.
    public init(add: [Value] = [], remove: [Value] = [], replace: [Value]? = nil) {
        self.add = add
        self.remove = remove
        self.replace = replace
    }

    /// Applies the edit to `list`.
    public func apply(to list: [Value]) -> [Value] {
        var result = replace ?? list
        result.removeAll { remove.contains($0) }
        for value in add where !result.contains(value) { result.append(value) }
        return result
    }
}

/// An AS-path prepend action.
public struct ASPathPrepend: Hashable, Sendable {
    /// The ASN to prepend; `nil` means our own AS.
    public var asn: ASN?
    /// How many times.
    public var count: Int

    /// Creates the action.
    public init(asn: ASN? = nil, count: Int) {
        self.asn = asn
        self.count = count
    }
}
