// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// How the RIB is set up.
public struct RIBConfiguration: Hashable, Sendable {
    /// Our AS (loop detection, eBGP rules).
    public var localAS: ASN
    /// Our BGP Identifier (ORIGINATOR_ID loop check).
    public var routerID: RouterID
    /// The route-reflection cluster ID; our router ID by default (RFC 4456 §7).
    public var clusterID: RouterID
    /// Decision process options.
    public var decision: DecisionOptions

    /// Creates a configuration.
    public init(localAS: ASN, routerID: RouterID, clusterID: RouterID? = nil, decision: DecisionOptions = DecisionOptions()) {
        self.localAS = localAS
        self.routerID = routerID
        self.clusterID = clusterID ?? routerID
        self.decision = decision
    }
}

/// Attribute references to give back later, run-length encoded (a withdrawal of a whole UPDATE releases one
/// attribute set hundreds of times).
struct DeferredReleases: Sendable {
    var entries: [(AttributeID, UInt32)] = []

    mutating func append(_ id: AttributeID) {
        if let last = entries.last, last.0 == id {
            entries[entries.count - 1].1 += 1
        } else {
            entries.append((id, 1))
        }
    }
}

/// What an import policy does with a path.
public enum ImportResult: Sendable {
    /// Accepted as received.
    case accept
    /// Accepted with these attributes.
    case modify(RouteAttributes)
    /// Rejected: kept in the pre-policy Adj-RIB-In as ineligible.
    case reject
}

/// A prefix with the ADD-PATH identifier it travels with (0 without ADD-PATH).
public struct RoutePrefix: Hashable, Sendable {
    /// The prefix.
    public var prefix: IPPrefix
    /// The Path Identifier.
    public var pathID: UInt32
    /// Creates a value.
    public init(_ prefix: IPPrefix, pathID: UInt32 = 0) {
        self.prefix = prefix
        self.pathID = pathID
    }
}

/// A stored path as the CLI and `explain` see it.
public struct PathInfo: Hashable, Sendable {
    /// The source.
    public var peer: PeerID
    /// The ADD-PATH identifier.
    public var pathID: UInt32
    /// When it arrived (`RIB.time` then).
    public var time: UInt32
    /// As received (pre-policy Adj-RIB-In).
    public var received: RouteAttributes
    /// After import policy, when eligible.
    public var accepted: RouteAttributes?
    /// Why it takes no part in the decision, if it does not.
    public var ineligibility: Ineligibility?
    /// It is the best path.
    public var isBest: Bool
    /// It is in the ECMP set.
    public var isMultipath: Bool
}

/// Adj-RIB-In and Loc-RIB for IPv4 and IPv6 unicast, as a pure value: it sees model types only, is fed
/// updates, and returns the Loc-RIB changes they cause. It never calls out.
///
/// Storage is designed for a million routes: attributes are interned (`AttributeStore`), a path is 16 bytes, a
/// destination record 32 bytes with its first path inline, and the Adj-RIB-In is not a separate table but the
/// paths kept in each destination (BIRD's layout). The decision process (`DecisionProcess`) runs per changed
/// prefix and records why the best won.
public struct RIB: Sendable {
    /// The configuration.
    public private(set) var configuration: RIBConfiguration
    /// The interned attribute sets.
    public private(set) var attributes = AttributeStore()
    /// The time paths arriving now are stamped with, in seconds of the owner's choosing (the RIB reads no clock):
    /// `explain` tells how long ago a path came.
    public var time: UInt32 = 0
    private var peers: [PeerID: RIBPeer] = [:]
    private var ipv4 = RouteTable<IPv4Prefix>()
    private var ipv6 = RouteTable<IPv6Prefix>()
    /// References given back only at the next mutating call, so the identifiers in returned changes stay valid.
    /// Runs of the same identifier are kept as one entry with a count.
    private var deferredReleases = DeferredReleases()
    /// Paths per source, two counters per `PeerID.rawValue`: all received (pre-policy Adj-RIB-In), then the
    /// eligible ones (post-policy accepted: what max-prefix counts).
    private var acceptedCounts: [Int] = []

    /// The number of paths from `peer` that passed the import checks and policy.
    public func acceptedPaths(from peer: PeerID) -> Int {
        let index = Int(peer.rawValue) * 2 + 1
        return index < acceptedCounts.count ? acceptedCounts[index] : 0
    }

    /// The number of paths from `peer` as received, eligible or not.
    public func receivedPaths(from peer: PeerID) -> Int {
        let index = Int(peer.rawValue) * 2
        return index < acceptedCounts.count ? acceptedCounts[index] : 0
    }

    private static func count(_ path: StoredPath, _ delta: Int, in counts: inout [Int]) {
        let index = Int(path.peer.rawValue) * 2
        if index + 1 >= counts.count { counts += Array(repeating: 0, count: index + 2 - counts.count) }
        counts[index] += delta
        if path.isEligible { counts[index + 1] += delta }
    }

    /// Creates an empty RIB.
    public init(configuration: RIBConfiguration) { self.configuration = configuration }

    /// The number of prefixes with at least one path.
    public var prefixCount: Int { ipv4.count + ipv6.count }

    // MARK: - Neighbours

    /// Registers or updates a neighbour.
    public mutating func setPeer(_ peer: RIBPeer) {
        precondition(peer.id != .local, "PeerID 0 is the local speaker")
        peers[peer.id] = peer
    }

    /// The neighbour registered under `id`.
    public func peer(_ id: PeerID) -> RIBPeer? { peers[id] }

    // MARK: - Input

    /// Applies what a neighbour (or, with `.local`, the local speaker) sent: withdrawals, then announcements of
    /// `announced` with `attributes`.
    ///
    /// `policy` is the import policy: it returns the attributes to use (changed or not) or `nil` to reject; a
    /// rejected path stays in the pre-policy Adj-RIB-In, ineligible, so `explain` can show it and a policy change
    /// can be re-applied without a route refresh.
    public mutating func update(
        from peer: PeerID, withdrawn: [RoutePrefix] = [], announced: [RoutePrefix] = [], attributes: RouteAttributes? = nil,
        policy: (IPPrefix, RouteAttributes) -> ImportResult = { _, _ in .accept }
    ) -> [RIBChange] {
        flushReleases()
        precondition(peer == .local || peers[peer] != nil, "update from unregistered \(peer)")
        var changes: [RIBChange] = []
        for route in withdrawn {
            if let change = replace(route, from: peer, with: nil) { changes.append(change) }
        }
        guard let attributes, !announced.isEmpty else { return changes }
        let ineligibility = importCheck(attributes, from: peer)
        let id = self.attributes.intern(attributes)
        for route in announced {
            self.attributes.retain(id)
            var path = StoredPath(
                peer: peer, ineligibility: ineligibility?.rawValue ?? 0, pathID: route.pathID, received: id, accepted: id, time: time)
            if ineligibility == nil {
                switch policy(route.prefix, attributes) {
                case .accept: break
                case .modify(let accepted): path.accepted = self.attributes.intern(accepted)
                case .reject: path.ineligibility = Ineligibility.rejectedByPolicy.rawValue
                }
            }
            if let change = replace(route, from: peer, with: path) { changes.append(change) }
        }
        self.attributes.release(id)
        return changes
    }

    /// Removes every path from `peer` (its session went down).
    public mutating func peerDown(_ peer: PeerID) -> [RIBChange] {
        flushReleases()
        var routes: [RoutePrefix] = []
        for slot in ipv4.slots {
            for path in ipv4.paths(slot) where path.peer == peer { routes.append(RoutePrefix(.v4(ipv4.prefix(slot)), pathID: path.pathID)) }
        }
        for slot in ipv6.slots {
            for path in ipv6.paths(slot) where path.peer == peer { routes.append(RoutePrefix(.v6(ipv6.prefix(slot)), pathID: path.pathID)) }
        }
        return routes.compactMap { replace($0, from: peer, with: nil) }
    }

    // MARK: - Queries

    /// The Loc-RIB selection for `prefix`.
    public func selection(for prefix: IPPrefix) -> Selection? {
        switch prefix {
        case .v4(let p): ipv4.slot(of: p).flatMap { Self.selection(ipv4.record($0), ipv4.paths($0)) }
        case .v6(let p): ipv6.slot(of: p).flatMap { Self.selection(ipv6.record($0), ipv6.paths($0)) }
        }
    }

    /// Every path stored for `prefix`, with its state.
    public func paths(for prefix: IPPrefix) -> [PathInfo] {
        let stored: [StoredPath]
        let record: DestinationRecord?
        switch prefix {
        case .v4(let p):
            guard let slot = ipv4.slot(of: p) else { return [] }
            (stored, record) = (ipv4.paths(slot), ipv4.record(slot))
        case .v6(let p):
            guard let slot = ipv6.slot(of: p) else { return [] }
            (stored, record) = (ipv6.paths(slot), ipv6.record(slot))
        }
        return stored.enumerated().map { index, path in
            PathInfo(
                peer: path.peer, pathID: path.pathID, time: path.time, received: attributes[path.received],
                accepted: path.isEligible ? attributes[path.accepted] : nil,
                ineligibility: Ineligibility(rawValue: path.ineligibility), isBest: record?.bestIndex == UInt8(index),
                isMultipath: index < 8 && (record!.selection >> index) & 1 == 1)
        }
    }

    /// Every prefix with a stored path, selected or not.
    public var storedPrefixes: [IPPrefix] {
        ipv4.slots.map { .v4(ipv4.prefix($0)) } + ipv6.slots.map { .v6(ipv6.prefix($0)) }
    }

    /// The prefixes in the Loc-RIB (with a selection).
    public var selectedPrefixes: [IPPrefix] {
        ipv4.slots.filter { ipv4.record($0).bestIndex != 0xFF }.map { .v4(ipv4.prefix($0)) }
            + ipv6.slots.filter { ipv6.record($0).bestIndex != 0xFF }.map { .v6(ipv6.prefix($0)) }
    }

    // MARK: - Internals

    private mutating func flushReleases() {
        for (id, count) in deferredReleases.entries { attributes.release(id, count: count) }
        deferredReleases.entries.removeAll(keepingCapacity: true)
    }

    /// The checks of RFC 4271 §9.1.2 and RFC 4456 §8 that make a path ineligible whatever the policy says.
    func importCheck(_ route: RouteAttributes, from peer: PeerID) -> Ineligibility? {
        guard let neighbor = peers[peer] else { return nil }
        let path = route.attributes.asPath ?? .empty
        let ownAS = path.segments.reduce(0) { $0 + $1.asns.filter { $0 == configuration.localAS }.count }
        if ownAS > neighbor.allowOwnAS { return .asPathLoop }
        if neighbor.isExternal {
            if path.firstASN != neighbor.asn { return .firstASMismatch }
        } else {
            if route.attributes.originatorID == configuration.routerID { return .originatorLoop }
            if route.attributes.clusterList.contains(configuration.clusterID) { return .clusterLoop }
        }
        return nil
    }

    /// Replaces (or removes, with `nil`) the path of `route` from `peer`; returns the Loc-RIB change, if any.
    private mutating func replace(_ route: RoutePrefix, from peer: PeerID, with path: StoredPath?) -> RIBChange? {
        switch route.prefix {
        case .v4(let p):
            return Self.replace(
                in: &ipv4, prefix: p, family: .v4(p), pathID: route.pathID, peer: peer, with: path, attributes: &attributes,
                deferred: &deferredReleases, counts: &acceptedCounts, peers: peers, options: configuration.decision)
        case .v6(let p):
            return Self.replace(
                in: &ipv6, prefix: p, family: .v6(p), pathID: route.pathID, peer: peer, with: path, attributes: &attributes,
                deferred: &deferredReleases, counts: &acceptedCounts, peers: peers, options: configuration.decision)
        }
    }

    private static func replace<P: Hashable & Sendable>(
        in table: inout RouteTable<P>, prefix: P, family: IPPrefix, pathID: UInt32, peer: PeerID, with new: StoredPath?,
        attributes: inout AttributeStore, deferred: inout DeferredReleases, counts: inout [Int], peers: [PeerID: RIBPeer],
        options: DecisionOptions
    ) -> RIBChange? {
        let slot = table.slot(of: prefix)
        // Fast paths for the common cases (a host's routes have one path each): a first path, or the only path
        // replaced or withdrawn by its own source. They give the same result as the general case below.
        if slot == nil, let new {
            count(new, +1, in: &counts)
            let eligible = new.isEligible
            table.setSinglePath(new, for: prefix, slot: nil, selected: eligible)
            guard eligible else { return nil }
            return RIBChange(
                prefix: family, old: nil,
                new: Selection(best: SelectedPath(peer: peer, pathID: pathID, attributes: new.accepted), decidedBy: .onlyCandidate))
        }
        if let slot, table.record(slot).overflow == 0 {
            let record = table.record(slot)
            let only = record.first
            if only.peer == peer, only.pathID == pathID {
                count(only, -1, in: &counts)
                if let new { count(new, +1, in: &counts) }
                deferred.append(only.received)
                if only.accepted != only.received { deferred.append(only.accepted) }
                let old = record.bestIndex == 0
                    ? Selection(best: SelectedPath(peer: peer, pathID: pathID, attributes: only.accepted), decidedBy: .onlyCandidate) : nil
                guard let new else {
                    table.remove(prefix, slot: slot)
                    return old.map { RIBChange(prefix: family, old: $0, new: nil) }
                }
                let eligible = new.isEligible
                table.setSinglePath(new, for: prefix, slot: slot, selected: eligible)
                let current = eligible
                    ? Selection(best: SelectedPath(peer: peer, pathID: pathID, attributes: new.accepted), decidedBy: .onlyCandidate) : nil
                if current == nil && old == nil { return nil }
                return current?.selectsSamePaths(as: old) == true ? nil : RIBChange(prefix: family, old: old, new: current)
            }
        }
        var paths = slot.map { table.paths($0) } ?? []
        let old = slot.flatMap { selection(table.record($0), paths) }
        if let new { count(new, +1, in: &counts) }
        if let existing = paths.firstIndex(where: { $0.peer == peer && $0.pathID == pathID }) {
            let removed = paths[existing]
            count(removed, -1, in: &counts)
            deferred.append(removed.received)
            if removed.accepted != removed.received { deferred.append(removed.accepted) }
            if let new { paths[existing] = new } else { paths.remove(at: existing) }
        } else if let new {
            paths.append(new)
        } else {
            return nil  // withdrawal of something we never had
        }
        let decision = decide(paths, attributes: attributes, peers: peers, options: options)
        table.setPaths(paths, for: prefix, selection: decision)
        let current = paths.isEmpty ? nil : selection(
            DestinationRecord(first: paths[0], overflow: 0, selection: decision.mask, bestIndex: decision.bestIndex, decidedBy: decision.decidedBy),
            paths)
        // Only a different set of selected paths is a Loc-RIB change; a new runner-up changes the explanation
        // (`decidedBy`), which is stored, not announced.
        if current == nil && old == nil { return nil }
        return current?.selectsSamePaths(as: old) == true ? nil : RIBChange(prefix: family, old: old, new: current)
    }

    private static func decide(
        _ paths: [StoredPath], attributes: AttributeStore, peers: [PeerID: RIBPeer], options: DecisionOptions
    ) -> (bestIndex: UInt8, mask: UInt8, decidedBy: DecisionStep) {
        let eligible = paths.indices.filter { paths[$0].isEligible && $0 < 255 }
        guard !eligible.isEmpty else { return (0xFF, 0, .onlyCandidate) }
        let candidates = eligible.map { index in
            DecisionCandidate(peer: peers[paths[index].peer], attributes: attributes[paths[index].accepted], pathID: paths[index].pathID)
        }
        let decision = DecisionProcess.decide(candidates, options: options)
        var mask: UInt8 = 0
        for member in decision.multipath where eligible[member] < 8 { mask |= 1 << UInt8(eligible[member]) }
        return (UInt8(eligible[decision.best!]), mask, decision.decidedBy)
    }

    private static func selection(_ record: DestinationRecord, _ paths: [StoredPath]) -> Selection? {
        guard record.bestIndex != 0xFF else { return nil }
        let best = paths[Int(record.bestIndex)]
        var others: [SelectedPath] = []
        for index in paths.indices where index < 8 && index != Int(record.bestIndex) && (record.selection >> index) & 1 == 1 {
            others.append(SelectedPath(peer: paths[index].peer, pathID: paths[index].pathID, attributes: paths[index].accepted))
        }
        return Selection(best: SelectedPath(peer: best.peer, pathID: best.pathID, attributes: best.accepted), others: others, decidedBy: record.decidedBy)
    }
}
