// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// The facts about a route that a policy can look at besides its attributes.
public struct PolicyContext: Sendable {
    /// The prefix.
    public var prefix: IPPrefix
    /// The neighbour it came from (`nil` when locally originated).
    public var neighbor: IPAddress?
    /// Our AS (for prepends without an ASN).
    public var localAS: ASN

    /// Creates a context.
    public init(prefix: IPPrefix, neighbor: IPAddress?, localAS: ASN) {
        self.prefix = prefix
        self.neighbor = neighbor
        self.localAS = localAS
    }
}

/// What a policy did with a route.
public enum PolicyOutcome: Hashable, Sendable {
    /// Accepted with these attributes; `modified` tells whether any term changed them; `term` is the term that
    /// accepted it (`nil`: the policy's default).
    case accepted(RouteAttributes, modified: Bool, term: String?)
    /// Rejected by `term` (`nil`: the policy's default).
    case rejected(term: String?)
}

/// A `PolicyDefinition` ready to run: AS-path patterns compiled once.
public struct CompiledPolicy: @unchecked Sendable {
    // @unchecked: Regex values are immutable once built; they are only read here.
    /// The definition.
    public let definition: PolicyDefinition
    private let patterns: [Int: Regex<AnyRegexOutput>]

    /// Compiles `definition`; throws when an AS-path pattern is not a valid regular expression.
    public init(_ definition: PolicyDefinition) throws {
        self.definition = definition
        var patterns: [Int: Regex<AnyRegexOutput>] = [:]
        for (index, term) in definition.terms.enumerated() {
            if let pattern = term.match.asPathPattern { patterns[index] = try Self.compile(pattern) }
        }
        self.patterns = patterns
    }

    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> { try PolicyMatch.compileASPathPattern(pattern) }

    /// True when a term looks at the prefix, so one result cannot stand for many prefixes.
    public var dependsOnPrefix: Bool { definition.terms.contains { $0.match.dependsOnPrefix } }

    /// Runs the policy.
    public func evaluate(_ route: RouteAttributes, context: PolicyContext) -> PolicyOutcome {
        var current = route
        var modified = false
        for (index, term) in definition.terms.enumerated() {
            guard matches(term.match, index: index, current, context) else { continue }
            if !term.actions.isEmpty {
                apply(term.actions, to: &current, context: context)
                modified = true
            }
            switch term.verdict {
            case .accept: return .accepted(current, modified: modified, term: term.name)
            case .reject: return .rejected(term: term.name)
            case .next: continue
            }
        }
        return definition.defaultVerdict == .accept ? .accepted(current, modified: modified, term: nil) : .rejected(term: nil)
    }

    private func matches(_ m: PolicyMatch, index: Int, _ route: RouteAttributes, _ context: PolicyContext) -> Bool {
        let a = route.attributes
        if !m.prefixes.isEmpty, !m.prefixes.contains(where: { $0.matches(context.prefix) }) { return false }
        if !m.families.isEmpty {
            let family: AddressFamily = context.prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast
            if !m.families.contains(family) { return false }
        }
        if !m.communities.isEmpty, !m.communities.contains(where: a.communities.contains) { return false }
        if !m.extendedCommunities.isEmpty, !m.extendedCommunities.contains(where: a.extendedCommunities.contains) { return false }
        if !m.largeCommunities.isEmpty, !m.largeCommunities.contains(where: a.largeCommunities.contains) { return false }
        if !m.asPathContains.isEmpty, !m.asPathContains.contains(where: { (a.asPath ?? .empty).contains($0) }) { return false }
        if let regex = patterns[index], (a.asPath ?? .empty).description.firstMatch(of: regex) == nil { return false }
        if !m.neighbors.isEmpty {
            guard let neighbor = context.neighbor, m.neighbors.contains(neighbor) else { return false }
        }
        if !m.nextHops.isEmpty {
            guard let hop = route.nextHop, m.nextHops.contains(hop) else { return false }
        }
        if let local = m.locallyOriginated, local != (context.neighbor == nil) { return false }
        return true
    }

    private func apply(_ actions: PolicyActions, to route: inout RouteAttributes, context: PolicyContext) {
        if let pref = actions.localPreference { route.attributes.localPreference = pref }
        if let med = actions.med { route.attributes.multiExitDiscriminator = med }
        switch actions.nextHop {
        case .self?: route.nextHop = nil
        case .address(let address)?: route.nextHop = address
        case nil: break
        }
        if let edit = actions.communities { route.attributes.communities = edit.apply(to: route.attributes.communities) }
        if let edit = actions.extendedCommunities {
            route.attributes.extendedCommunities = edit.apply(to: route.attributes.extendedCommunities)
        }
        if let edit = actions.largeCommunities { route.attributes.largeCommunities = edit.apply(to: route.attributes.largeCommunities) }
        if let prepend = actions.asPathPrepend, prepend.count > 0 {
            route.attributes.asPath = (route.attributes.asPath ?? .empty).prepending(prepend.asn ?? context.localAS, count: prepend.count)
        }
    }
}

