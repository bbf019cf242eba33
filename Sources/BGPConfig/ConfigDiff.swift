// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// What a reload changes, computed from the running and the new configuration (pure): which neighbours are added,
/// removed, reset (their session settings changed) or updated in place (policy references, description,
/// max-prefix, next hops), which need their routes re-imported from the pre-policy Adj-RIB-In or re-exported
/// because a policy they use changed, which networks come and go, and what only a restart can change.
public struct ConfigDiff: Hashable, Sendable {
    /// Settings a running daemon cannot take (router ID, AS, listen addresses, kernel table…): a reload that
    /// changes any of them is refused, whole.
    public var restartRequired: [String] = []
    /// New neighbours (a session starts).
    public var added: [IPAddress] = []
    /// Neighbours no longer configured (Cease/Peer De-configured).
    public var removed: [IPAddress] = []
    /// Neighbours whose session settings changed, with what changed: the session is reset.
    public var reset: [IPAddress: [String]] = [:]
    /// Neighbours changed in place, with what changed: the session stays.
    public var updated: [IPAddress: [String]] = [:]
    /// Neighbours whose import policy (the reference or the definition) changed: re-imported in place.
    public var reimport: [IPAddress] = []
    /// Neighbours whose export policy (or next-hop settings) changed: the Adj-RIB-Out is recomputed and the
    /// difference sent.
    public var reexport: [IPAddress] = []
    /// Policies added, removed or changed (prefix sets included).
    public var policies: [String] = []
    /// Networks to originate and to withdraw.
    public var networksAdded: [IPPrefix] = []
    public var networksRemoved: [IPPrefix] = []

    /// True when nothing changes.
    public var isEmpty: Bool {
        restartRequired.isEmpty && added.isEmpty && removed.isEmpty && reset.isEmpty && updated.isEmpty && reimport.isEmpty
            && reexport.isEmpty && policies.isEmpty && networksAdded.isEmpty && networksRemoved.isEmpty
    }

    /// The difference from `old` to `new`.
    public init(from old: DaemonConfig, to new: DaemonConfig) {
        func global<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { restartRequired.append(name) } }
        global("router-id", old.routerID, new.routerID)
        global("local-as", old.localAS, new.localAS)
        global("listen", old.listen, new.listen)
        global("cluster-id", old.clusterID, new.clusterID)
        global("maximum-paths", old.maximumPaths, new.maximumPaths)
        global("multipath-relax", old.multipathRelax, new.multipathRelax)
        global("fib", old.fib, new.fib)
        global("workloads", old.workloads, new.workloads)
        global("api", old.api, new.api)
        global("metrics", old.metrics, new.metrics)
        global("log", old.log, new.log)

        policies = Set(old.policies.keys).union(new.policies.keys).filter { old.policies[$0] != new.policies[$0] }.sorted()
        let changedPolicies = Set(policies)
        let before = Dictionary(old.neighbors.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.neighbors.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        added = after.keys.filter { before[$0] == nil }.sorted()
        removed = before.keys.filter { after[$0] == nil }.sorted()
        for (address, n) in after.sorted(by: { $0.key < $1.key }) {
            guard let o = before[address] else { continue }
            let session = Self.sessionChanges(o, n)
            if !session.isEmpty {
                reset[address] = session
                continue
            }
            var inPlace: [String] = []
            if o.description != n.description { inPlace.append("description") }
            if o.maxPrefix != n.maxPrefix { inPlace.append("max-prefix") }
            if o.importPolicy != n.importPolicy { inPlace.append("import \(o.importPolicy?.description ?? "(default)") → \(n.importPolicy?.description ?? "(default)")") }
            if o.exportPolicy != n.exportPolicy { inPlace.append("export \(o.exportPolicy?.description ?? "(default)") → \(n.exportPolicy?.description ?? "(default)")") }
            if o.nextHopIPv4 != n.nextHopIPv4 || o.nextHopIPv6 != n.nextHopIPv6 { inPlace.append("next hops") }
            if !inPlace.isEmpty { updated[address] = inPlace }
            if o.importPolicy != n.importPolicy || Self.uses(n.importPolicy, changedPolicies) { reimport.append(address) }
            if o.exportPolicy != n.exportPolicy || Self.uses(n.exportPolicy, changedPolicies) || o.nextHopIPv4 != n.nextHopIPv4
                || o.nextHopIPv6 != n.nextHopIPv6
            {
                reexport.append(address)
            }
        }
        if let password = after.values.first(where: { n in n.password != nil && before[n.address]?.password != n.password }) {
            // TCP MD5 keys are installed on the listening socket when it is bound.
            restartRequired.append("password of neighbor \(password.address)")
        }
        let oldNetworks = Dictionary(old.networks.map { ($0.prefix, $0) }, uniquingKeysWith: { a, _ in a })
        let newNetworks = Dictionary(new.networks.map { ($0.prefix, $0) }, uniquingKeysWith: { a, _ in a })
        // A network whose attributes changed is announced again (it replaces the old path).
        networksAdded = newNetworks.filter { oldNetworks[$0.key] != $0.value }.keys.sorted()
        networksRemoved = oldNetworks.keys.filter { newNetworks[$0] == nil }.sorted()
    }

    private static func uses(_ reference: PolicyReference?, _ changed: Set<String>) -> Bool {
        if case .named(let name)? = reference { return changed.contains(name) }
        return false
    }

    /// The settings of a neighbour that its session was opened with.
    private static func sessionChanges(_ o: NeighborConfig, _ n: NeighborConfig) -> [String] {
        var changes: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { changes.append(name) } }
        check("peer-as", o.peerAS, n.peerAS)
        check("port", o.port, n.port)
        check("passive", o.passive, n.passive)
        check("password", o.password, n.password)
        check("source-address", o.sourceAddress, n.sourceAddress)
        check("hold-time", o.holdTime, n.holdTime)
        check("keepalive-time", o.keepaliveTime, n.keepaliveTime)
        check("connect-retry", o.connectRetryTime, n.connectRetryTime)
        check("delay-open", o.delayOpenTime, n.delayOpenTime)
        check("tcp-user-timeout", o.tcpUserTimeout, n.tcpUserTimeout)
        check("families", o.families, n.families)
        check("route-reflector-client", o.routeReflectorClient, n.routeReflectorClient)
        check("allowas-in", o.allowOwnAS, n.allowOwnAS)
        check("add-path", [o.addPathReceive, o.addPathSend], [n.addPathReceive, n.addPathSend])
        return changes
    }
}
