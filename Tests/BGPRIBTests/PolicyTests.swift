// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import Testing

@Suite struct PolicyTests {
    static let route = RouteAttributes(
        attributes: PathAttributes(
            origin: .igp, asPath: ASPath(sequence: [65101, 65000]), multiExitDiscriminator: 5,
            communities: [Community(65000, 1)], extendedCommunities: [ExtendedCommunity("rt:65000:7")!],
            largeCommunities: [LargeCommunity(4_200_000_101, 1, 1)]),
        nextHop: IPAddress("10.0.1.1"))

    static func context(_ prefix: String, neighbor: String? = "10.0.1.1") -> PolicyContext {
        PolicyContext(prefix: IPPrefix(prefix)!, neighbor: neighbor.flatMap(IPAddress.init), localAS: 4_200_001_011)
    }

    static func run(_ terms: [PolicyTerm], _ prefix: String = "10.244.1.0/24", route: RouteAttributes = route, neighbor: String? = "10.0.1.1",
                    default verdict: PolicyVerdict = .reject) throws -> PolicyOutcome {
        try CompiledPolicy(PolicyDefinition(name: "p", terms: terms, defaultVerdict: verdict)).evaluate(route, context: context(prefix, neighbor: neighbor))
    }

    @Test func prefixMatchWithGeLe() {
        let block = PrefixMatch(prefix: IPPrefix("10.244.0.0/16")!, maximumLength: 32)
        #expect(block.matches(IPPrefix("10.244.1.7/32")!))
        #expect(block.matches(IPPrefix("10.244.0.0/16")!))
        #expect(!block.matches(IPPrefix("10.245.0.0/24")!))
        let exact = PrefixMatch(prefix: IPPrefix("0.0.0.0/0")!)
        #expect(exact.matches(IPPrefix("0.0.0.0/0")!))
        #expect(!exact.matches(IPPrefix("10.0.0.0/8")!))
        let range = PrefixMatch(prefix: IPPrefix("2001:db8::/32")!, minimumLength: 48, maximumLength: 64)
        #expect(range.matches(IPPrefix("2001:db8:1::/48")!))
        #expect(!range.matches(IPPrefix("2001:db8::/32")!))
        #expect(!range.matches(IPPrefix("10.0.0.0/8")!))
        #expect(range.description == "2001:db8::/32 ge 48 le 64")
    }

    @Test func firstTerminalTermDecides() throws {
        let terms = [
            PolicyTerm(name: "no-default", match: PolicyMatch(prefixes: [PrefixMatch(prefix: IPPrefix("0.0.0.0/0")!)]), verdict: .reject),
            PolicyTerm(name: "pods", match: PolicyMatch(prefixes: [PrefixMatch(prefix: IPPrefix("10.244.0.0/16")!, maximumLength: 32)]), verdict: .accept),
        ]
        #expect(try Self.run(terms, "0.0.0.0/0") == .rejected(term: "no-default"))
        #expect(try Self.run(terms, "10.244.3.0/26") == .accepted(Self.route, modified: false, term: "pods"))
        #expect(try Self.run(terms, "192.0.2.0/24") == .rejected(term: nil))
        #expect(try Self.run(terms, "192.0.2.0/24", default: .accept) == .accepted(Self.route, modified: false, term: nil))
    }

    @Test func actionsAccumulateAcrossNonTerminalTerms() throws {
        let terms = [
            PolicyTerm(name: "pref", actions: PolicyActions(localPreference: 200)),
            PolicyTerm(
                name: "tag", match: PolicyMatch(communities: [Community(65000, 1)]),
                actions: PolicyActions(
                    med: 50, communities: CommunityEdit(add: [Community(65000, 2)], remove: [Community(65000, 1)]),
                    largeCommunities: CommunityEdit(replace: [LargeCommunity(4_200_001_011, 9, 9)]), asPathPrepend: ASPathPrepend(count: 2)),
                verdict: .accept),
        ]
        guard case .accepted(let out, let modified, let term) = try Self.run(terms) else {
            Issue.record("not accepted")
            return
        }
        #expect(modified && term == "tag")
        #expect(out.attributes.localPreference == 200)
        #expect(out.attributes.multiExitDiscriminator == 50)
        #expect(out.attributes.communities == [Community(65000, 2)])
        #expect(out.attributes.largeCommunities == [LargeCommunity(4_200_001_011, 9, 9)])
        #expect(out.attributes.asPath == ASPath(sequence: [4_200_001_011, 4_200_001_011, 65101, 65000]))
    }

    @Test(arguments: [
        ("^65101_", true), ("_65000$", true), ("^65000", false), ("_6510_", false), ("65101 65000", true), ("^$", false),
    ])
    func asPathPatterns(pattern: String, matches: Bool) throws {
        let terms = [PolicyTerm(name: "t", match: PolicyMatch(asPathPattern: pattern), verdict: .accept)]
        let outcome = try Self.run(terms)
        #expect((outcome != .rejected(term: nil)) == matches)
    }

    @Test func otherConditions() throws {
        func accepts(_ match: PolicyMatch, neighbor: String? = "10.0.1.1", prefix: String = "10.244.1.0/24") throws -> Bool {
            if case .accepted = try Self.run([PolicyTerm(name: "t", match: match, verdict: .accept)], prefix, neighbor: neighbor) { return true }
            return false
        }
        #expect(try accepts(PolicyMatch(asPathContains: [65000])))
        #expect(try !accepts(PolicyMatch(asPathContains: [65999])))
        #expect(try accepts(PolicyMatch(neighbors: [IPAddress("10.0.1.1")!])))
        #expect(try !accepts(PolicyMatch(neighbors: [IPAddress("10.0.2.1")!])))
        #expect(try accepts(PolicyMatch(nextHops: [IPAddress("10.0.1.1")!])))
        #expect(try accepts(PolicyMatch(extendedCommunities: [ExtendedCommunity("rt:65000:7")!])))
        #expect(try !accepts(PolicyMatch(largeCommunities: [LargeCommunity(1, 2, 3)])))
        #expect(try accepts(PolicyMatch(families: [.ipv4Unicast])))
        #expect(try !accepts(PolicyMatch(families: [.ipv6Unicast])))
        #expect(try accepts(PolicyMatch(locallyOriginated: true), neighbor: nil))
        #expect(try !accepts(PolicyMatch(locallyOriginated: true)))
        // Every condition of a term must hold.
        #expect(try !accepts(PolicyMatch(communities: [Community(65000, 1)], asPathContains: [65999])))
    }

    @Test func badPatternIsReportedAtCompileTime() {
        #expect(throws: (any Error).self) { try CompiledPolicy(PolicyDefinition(name: "p", terms: [PolicyTerm(name: "t", match: PolicyMatch(asPathPattern: "(65000"))])) }
    }

    @Test func dependsOnPrefixOnlyWithPrefixConditions() throws {
        #expect(try !CompiledPolicy(PolicyDefinition(name: "p", terms: [PolicyTerm(name: "t", match: PolicyMatch(communities: [Community(1, 1)]))])).dependsOnPrefix)
        #expect(try CompiledPolicy(PolicyDefinition(name: "p", terms: [PolicyTerm(name: "t", match: PolicyMatch(prefixes: [PrefixMatch(prefix: IPPrefix("10.0.0.0/8")!)]))])).dependsOnPrefix)
    }
}
