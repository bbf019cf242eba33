// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import FIBSync

/// What the FIB service wants in the kernel (on the service's queue), and the changes recorded but not taken yet
/// (`Intake`, written by the routing engine's thread under the service's lock), so that a burst waits as 12
/// octets a prefix rather than as the engine's arrays queued behind a busy kernel.
///
/// Next-hop sets are interned: a host's routes use a handful (one per ToR, one for the ECMP pair), so a wanted
/// prefix is 4 octets, and counting each set's users tells when every route through a set goes at once.
struct WantedRoutes {
    /// The "set" of a removal.
    static let removal = UInt32.max
    /// The "set" of an unreachable route (an owned IPAM block's covering route).
    static let unreachable = UInt32.max - 1

    /// One change: the prefix and its set now; `before`, its set before, once taken.
    struct Change<Prefix> {
        var prefix: Prefix
        var set: UInt32
        var before: UInt32 = removal
    }

    /// Changes in the order wanted, per family (IPv4 and IPv6 prefixes never overlap, so their relative order
    /// does not matter; each family's order does).
    struct Batch {
        var v4: [Change<IPv4Prefix>] = []
        var v6: [Change<IPv6Prefix>] = []
        var count: Int { v4.count + v6.count }
        var isEmpty: Bool { v4.isEmpty && v6.isEmpty }

        /// True when every change is a removal.
        var isRemovalsOnly: Bool { v4.allSatisfy { $0.set == WantedRoutes.removal } && v6.allSatisfy { $0.set == WantedRoutes.removal } }

        /// Where the pieces of at most `size` changes are (family, range), each family's order kept.
        func pieces(_ size: Int) -> [(v6: Bool, range: Range<Int>)] {
            stride(from: 0, to: v4.count, by: size).map { (false, $0..<min($0 + size, v4.count)) }
                + stride(from: 0, to: v6.count, by: size).map { (true, $0..<min($0 + size, v6.count)) }
        }

        /// One piece, copied out.
        func piece(v6 isV6: Bool, _ range: Range<Int>) -> Batch {
            isV6 ? Batch(v6: Array(v6[range])) : Batch(v4: Array(v4[range]))
        }

        /// Every change, in order within each family.
        func forEach(_ body: (IPPrefix, UInt32, UInt32) -> Void) {
            for c in v4 { body(.v4(c.prefix), c.set, c.before) }
            for c in v6 { body(.v6(c.prefix), c.set, c.before) }
        }
    }

    /// The changes recorded and not taken yet, with the next-hop sets they name.
    struct Intake {
        /// Prefixes that get an unreachable route whenever no learned route is wanted for them.
        let unreachablePrefixes: Set<IPPrefix>
        private(set) var nextHopSets: [[KernelNextHop]] = []
        private var setIndex: [[IPAddress]: UInt32] = [:]
        private(set) var pending = Batch()
        /// Shutting down: nothing more is recorded.
        var frozen = false
        /// A flush is queued: a change needs no new one.
        var flushQueued = false

        init(unreachablePrefixes: Set<IPPrefix>) { self.unreachablePrefixes = unreachablePrefixes }

        /// Records that each prefix should go to its next hops, or (none) not be in the kernel.
        mutating func record(_ routes: [(prefix: IPPrefix, nextHops: [IPAddress])]) {
            guard !frozen else { return }
            var last: (hops: [IPAddress], id: UInt32)? = nil  // consecutive routes usually share next hops
            for (prefix, hops) in routes {
                let id: UInt32
                if hops.isEmpty {
                    id = unreachablePrefixes.contains(prefix) ? WantedRoutes.unreachable : WantedRoutes.removal
                } else if let last, last.hops == hops {
                    id = last.id
                } else {
                    id = intern(hops)
                    last = (hops, id)
                }
                switch prefix {
                case .v4(let p): pending.v4.append(Change(prefix: p, set: id))
                case .v6(let p): pending.v6.append(Change(prefix: p, set: id))
                }
            }
        }

        private mutating func intern(_ hops: [IPAddress]) -> UInt32 {
            if let id = setIndex[hops] { return id }
            let id = UInt32(nextHopSets.count)
            nextHopSets.append(Array(Set(hops)).map { KernelNextHop(gateway: $0) }.sorted())
            setIndex[hops] = id
            return id
        }

        /// Takes the pending changes.
        mutating func take() -> Batch {
            var batch = Batch()
            swap(&batch, &pending)
            return batch
        }

        /// Drops the pending changes.
        mutating func dropPending() { pending = Batch() }
    }

    /// The next-hop sets, as of the last batch taken.
    private(set) var nextHopSets: [[KernelNextHop]] = []
    private(set) var wanted = PrefixDictionary<UInt32>()
    /// How many wanted prefixes use each set.
    private(set) var users: [Int] = []

    /// Applies a batch taken from the intake (with the intake's sets at that time): fills in each change's
    /// `before` and returns the batch.
    mutating func take(_ batch: Batch, sets: [[KernelNextHop]]) -> Batch {
        nextHopSets = sets
        if users.count < sets.count { users += repeatElement(0, count: sets.count - users.count) }
        var batch = batch
        for i in batch.v4.indices { batch.v4[i].before = update(.v4(batch.v4[i].prefix), to: batch.v4[i].set) }
        for i in batch.v6.indices { batch.v6[i].before = update(.v6(batch.v6[i].prefix), to: batch.v6[i].set) }
        return batch
    }

    private mutating func update(_ prefix: IPPrefix, to set: UInt32) -> UInt32 {
        let before = wanted.update(prefix, to: set == Self.removal ? nil : set) ?? Self.removal
        if before < Self.unreachable { users[Int(before)] -= 1 }
        if set < Self.unreachable { users[Int(set)] += 1 }
        return before
    }

    /// Forgets every wanted route, returning them.
    mutating func removeAll() -> [(IPPrefix, UInt32)] {
        let all = wanted.map { ($0, $1) }
        wanted.removeAll()
        users = users.map { _ in 0 }
        return all
    }

    /// The sets whose routes all go in `batch` (taken last): a batch of removals only, so applying a set's
    /// removal before the rest reorders nothing that matters, after which no wanted prefix uses the set, with at
    /// least `threshold` removals through it.
    func wholeSetRemovals(_ batch: Batch, threshold: Int) -> Set<UInt32> {
        guard batch.count >= threshold, batch.isRemovalsOnly else { return [] }
        var removals: [UInt32: Int] = [:]
        batch.forEach { _, _, before in if before < Self.unreachable { removals[before, default: 0] += 1 } }
        return Set(removals.filter { users[Int($0.key)] == 0 && $0.value >= threshold }.keys)
    }

    /// The route for `prefix` through set `set`, as Peerlet installs it.
    func route(_ prefix: IPPrefix, set: UInt32, config: FIBConfig) -> KernelRoute {
        KernelRoute(
            prefix: prefix, sortedNextHops: set >= Self.unreachable ? [] : nextHopSets[Int(set)], table: config.table,
            protocolNumber: config.protocolNumber, metric: config.metric, type: set == Self.unreachable ? .unreachable : .unicast)
    }

    /// The route wanted for `prefix`, if any.
    func route(forWanted prefix: IPPrefix, config: FIBConfig) -> KernelRoute? {
        wanted[prefix].map { route(prefix, set: $0, config: config) }
    }

    /// The number of wanted routes.
    var count: Int { wanted.count }

    /// Every wanted route.
    func routes(config: FIBConfig) -> [KernelRoute] { wanted.map { route($0, set: $1, config: config) } }
}
