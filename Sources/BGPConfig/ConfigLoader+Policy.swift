// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import Yams

/// The `prefix-sets` and `policies` sections. See docs/configuration.md ("Policies").
extension ConfigLoader {
    static let termKeys = ["name", "match", "set", "action"]
    static let matchKeys = [
        "prefix", "prefix-set", "community", "extended-community", "large-community", "as-path", "as-path-contains",
        "neighbor", "next-hop", "family", "originated",
    ]
    static let setKeys = ["local-preference", "med", "next-hop", "community", "extended-community", "large-community", "as-path-prepend"]
    static let editKeys = ["add", "remove", "replace"]

    /// `10.244.0.0/16`, `10.244.0.0/16 le 32`, `2001:db8::/32 ge 48 le 64`.
    static func prefixMatch(_ node: Node, _ r: ConfigReader) -> PrefixMatch? {
        r.value(node, "prefix", expected: "a prefix with optional 'ge N' and 'le N', such as 10.244.0.0/16 le 32") { text in
            let words = text.split(separator: " ")
            guard let first = words.first, let prefix = IPPrefix(first), words.count % 2 == 1 else { return nil }
            var ge: UInt8?
            var le: UInt8?
            var i = 1
            while i < words.count {
                guard let value = UInt8(words[i + 1]), value >= prefix.length, value <= (prefix.afi == .ipv4 ? 32 : 128) else { return nil }
                switch words[i] {
                case "ge": ge = value
                case "le": le = value
                default: return nil
                }
                i += 2
            }
            if let ge, let le, ge > le { return nil }
            return PrefixMatch(prefix: prefix, minimumLength: ge, maximumLength: le)
        }
    }

    static func parsePrefixSets(_ node: Node, _ r: ConfigReader) -> [String: [PrefixMatch]] {
        guard case .mapping(let mapping) = node else {
            r.error(node, "prefix-sets must map names to lists of prefixes")
            return [:]
        }
        var sets: [String: [PrefixMatch]] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { continue }
            sets[name] = r.sequence(value, "prefix set \(name)").compactMap { prefixMatch($0, r) }
        }
        return sets
    }

    static func parsePolicies(_ node: Node, prefixSets: [String: [PrefixMatch]], _ r: ConfigReader) -> [String: PolicyDefinition] {
        guard case .mapping(let mapping) = node else {
            r.error(node, "policies must map names to policies")
            return [:]
        }
        var policies: [String: PolicyDefinition] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { continue }
            if ["accept", "reject", "originated"].contains(name) {
                r.error(key, "'\(name)' is a built-in policy and cannot be redefined")
                continue
            }
            // A policy is a list of terms (default reject), or {default: accept|reject, terms: [...]}.
            var termNodes: [Node] = []
            var defaultVerdict = PolicyVerdict.reject
            if case .sequence = value {
                termNodes = r.sequence(value, "policy \(name)")
            } else {
                let f = r.fields(value, "policy \(name)", allowed: ["default", "terms"])
                if let d = f["default"] {
                    defaultVerdict = r.value(d, "default", expected: "accept or reject") { PolicyVerdict(rawValue: $0).flatMap { $0 == .next ? nil : $0 } }
                        ?? .reject
                }
                if let t = f["terms"] { termNodes = r.sequence(t, "terms of \(name)") }
            }
            let terms = termNodes.enumerated().compactMap { index, node in parseTerm(node, index: index, prefixSets: prefixSets, r) }
            policies[name] = PolicyDefinition(name: name, terms: terms, defaultVerdict: defaultVerdict)
        }
        return policies
    }

    static func parseTerm(_ node: Node, index: Int, prefixSets: [String: [PrefixMatch]], _ r: ConfigReader) -> PolicyTerm? {
        let f = r.fields(node, "a policy term", allowed: termKeys)
        var term = PolicyTerm(name: f["name"].flatMap { r.string($0, "name") } ?? "term \(index + 1)")
        if let m = f["match"] { term.match = parseMatch(m, prefixSets: prefixSets, r) }
        if let s = f["set"] { term.actions = parseActions(s, r) }
        if let a = f["action"] {
            term.verdict = r.value(a, "action", expected: "accept, reject or next") { PolicyVerdict(rawValue: $0) } ?? .next
        }
        return term
    }

    /// A scalar or a list of scalars.
    static func list(_ node: Node, _ what: String, _ r: ConfigReader) -> [Node] {
        node.scalar != nil ? [node] : r.sequence(node, what)
    }

    static func parseMatch(_ node: Node, prefixSets: [String: [PrefixMatch]], _ r: ConfigReader) -> PolicyMatch {
        let f = r.fields(node, "a match", allowed: matchKeys)
        var m = PolicyMatch()
        if let v = f["prefix"] { m.prefixes += list(v, "prefix", r).compactMap { prefixMatch($0, r) } }
        if let v = f["prefix-set"] {
            for item in list(v, "prefix-set", r) {
                guard let name = r.string(item, "prefix-set") else { continue }
                if let set = prefixSets[name] {
                    m.prefixes += set
                } else {
                    r.error(item, "no prefix set named '\(name)'", hint: ConfigReader.closest(to: name, in: Array(prefixSets.keys)).map { "did you mean '\($0)'?" })
                }
            }
        }
        if let v = f["community"] {
            m.communities = list(v, "community", r).compactMap { r.value($0, "community", expected: "ASN:value or a well-known name") { Community($0) } }
        }
        if let v = f["extended-community"] {
            m.extendedCommunities = list(v, "extended-community", r).compactMap {
                r.value($0, "extended community", expected: "rt:ASN:value, ro:ASN:value or 0x followed by 16 hex digits") { ExtendedCommunity($0) }
            }
        }
        if let v = f["large-community"] {
            m.largeCommunities = list(v, "large-community", r).compactMap { r.value($0, "large community", expected: "global:local1:local2") { LargeCommunity($0) } }
        }
        if let v = f["as-path"], let pattern = r.string(v, "as-path") {
            do {
                _ = try PolicyMatch.compileASPathPattern(pattern)
                m.asPathPattern = pattern
            } catch {
                r.error(v, "as-path '\(pattern)' is not a valid regular expression: \(error)")
            }
        }
        if let v = f["as-path-contains"] {
            m.asPathContains = list(v, "as-path-contains", r).compactMap { r.value($0, "ASN", expected: "an AS number") { ASN($0) } }
        }
        if let v = f["neighbor"] {
            m.neighbors = list(v, "neighbor", r).compactMap { r.value($0, "neighbor", expected: "an IP address") { IPAddress($0) } }
        }
        if let v = f["next-hop"] {
            m.nextHops = list(v, "next-hop", r).compactMap { r.value($0, "next-hop", expected: "an IP address") { IPAddress($0) } }
        }
        if let v = f["family"] {
            m.families = list(v, "family", r).compactMap { r.value($0, "family", expected: "ipv4-unicast or ipv6-unicast") { AddressFamily($0) } }
        }
        if let v = f["originated"] { m.locallyOriginated = r.bool(v, "originated") }
        return m
    }

    static func parseActions(_ node: Node, _ r: ConfigReader) -> PolicyActions {
        let f = r.fields(node, "a set block", allowed: setKeys)
        var a = PolicyActions()
        if let v = f["local-preference"] { a.localPreference = r.integer(v, "local-preference", in: 0...UInt32.max) }
        if let v = f["med"] { a.med = r.integer(v, "med", in: 0...UInt32.max) }
        if let v = f["next-hop"] {
            a.nextHop = r.value(v, "next-hop", expected: "self or an IP address") { $0 == "self" ? .self : IPAddress($0).map { .address($0) } }
        }
        if let v = f["community"] {
            a.communities = parseEdit(v, "community", r) { Community($0) }
        }
        if let v = f["extended-community"] {
            a.extendedCommunities = parseEdit(v, "extended-community", r) { ExtendedCommunity($0) }
        }
        if let v = f["large-community"] {
            a.largeCommunities = parseEdit(v, "large-community", r) { LargeCommunity($0) }
        }
        if let v = f["as-path-prepend"] {
            if v.scalar != nil {
                a.asPathPrepend = r.integer(v, "as-path-prepend", in: 1...16).map { ASPathPrepend(count: $0) }
            } else {
                let p = r.fields(v, "as-path-prepend", allowed: ["asn", "count"])
                let count = p["count"].flatMap { r.integer($0, "count", in: 1...16) } ?? 1
                let asn = p["asn"].flatMap { r.value($0, "asn", expected: "an AS number") { ASN($0) } }
                a.asPathPrepend = ASPathPrepend(asn: asn, count: count)
            }
        }
        return a
    }

    /// `[a, b]` adds; `{add: [...], remove: [...], replace: [...]}` edits.
    static func parseEdit<T: Hashable & Sendable>(_ node: Node, _ what: String, _ r: ConfigReader, _ parse: (String) -> T?) -> CommunityEdit<T> {
        func values(_ n: Node) -> [T] {
            list(n, what, r).compactMap { r.value($0, what, expected: "a valid \(what)", parse) }
        }
        if case .mapping = node {
            let f = r.fields(node, what, allowed: editKeys)
            return CommunityEdit(add: f["add"].map(values) ?? [], remove: f["remove"].map(values) ?? [], replace: f["replace"].map(values))
        }
        return CommunityEdit(add: values(node))
    }
}
