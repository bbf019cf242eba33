// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPConfig
public import BGPModel
import Dispatch
public import FIBSync
public import Logging

/// Keeps a kernel routing table equal to the Loc-RIB's routes (OpenBGPD's `kr_*`, BIRD's `krt`).
///
/// The routing engine hands it wanted routes per prefix (`want`). Bookkeeping runs on the service's serial queue
/// and the blocking netlink calls on a second one, in order, chunk by chunk: while the kernel works through one
/// chunk (most of a full-table install is kernel time), the next is prepared, so the two overlap on two cores.
/// At most `inFlight` chunks wait for the kernel, which bounds the memory a burst can take. Every operation's outcome is kept: a route the kernel
/// refuses (ENETUNREACH: its next hop is on no connected network) stays in the RIB, not in the kernel, and the
/// reason is recorded. An overrun (unknown outcomes) makes the service dump the table and reconcile.
///
/// Restart semantics: at start nothing is flushed — installs replace routes of the same key in place, so a route
/// Peerlet installed before a restart keeps forwarding. Once every Established neighbour has sent End-of-RIB (or
/// `staleAfter` passed), the table is reconciled, which removes the routes nobody wants any more. On a clean stop
/// Peerlet's routes are removed unless `keepRoutesOnExit`. Routes of other protocols are never changed.
public final class FIBService: @unchecked Sendable {
    // @unchecked: all mutable state is confined to `queue`.
    private let table: any RouteTable
    private let config: FIBConfig
    private let logger: Logger
    private let queue = DispatchQueue(label: "peerlet.fib")
    /// Where `table` is called: serial, so chunks reach the kernel in the order they were made.
    private let kernel = DispatchQueue(label: "peerlet.fib.netlink")
    /// Chunks handed to `kernel` and not yet done.
    private let inFlight = DispatchSemaphore(value: 3)
    /// An overrun was reported and a reconcile is queued (several overrunning chunks cause one reconcile).
    private var reconcileQueued = false
    /// Next-hop sets, interned: a host's routes use a handful (one per ToR, one for the ECMP pair), so a prefix's
    /// wanted state is 4 bytes instead of a route with its own array.
    private var nextHopSets: [[KernelNextHop]] = []
    private var setIndex: [[IPAddress]: UInt32] = [:]
    private var wanted = PrefixDictionary<UInt32>()
    /// Changes not yet applied, in the order they were wanted (Self.removal: remove). Not coalesced: a prefix
    /// changed twice before a flush is applied twice, in order, which leaves the kernel in the last state.
    private var pending: [(prefix: IPPrefix, set: UInt32)] = []
    private static let removal = UInt32.max
    /// The "set" of an unreachable route (an owned IPAM block's covering route).
    private static let unreachable = UInt32.max - 1
    /// Prefixes that get an unreachable route whenever no learned route is wanted for them.
    private let unreachablePrefixes: Set<IPPrefix>
    private var flushScheduled = false
    private var reconciled = false
    /// Shutting down with `keepRoutesOnExit`: the table is left exactly as it is.
    private var frozen = false
    /// Routes the kernel refused, with the errno.
    private var failures: [IPPrefix: Int32] = [:]
    /// Wanted routes not installed because another protocol holds the key.
    private var conflicts: Set<IPPrefix> = []
    private(set) var counters = Counters()

    /// Operation counters, for the CLI and metrics.
    public struct Counters: Sendable {
        /// Operations applied successfully.
        public var applied = 0
        /// Operations the kernel refused.
        public var failed = 0
        /// Overruns recovered by a reconcile.
        public var overruns = 0
        /// Full reconciles.
        public var reconciles = 0
    }

    /// Creates the service over `table`.
    ///
    /// `unreachable`: owned IPAM blocks to cover with an unreachable route, so that traffic to an unused address in
    /// the block is answered with ICMP unreachable here instead of following a default route back to the fabric.
    /// Workload routes inside are more specific, so the covering route never shadows one.
    public init(table: any RouteTable, config: FIBConfig, unreachable: Set<IPPrefix> = [], logger: Logger) {
        self.table = table
        self.config = config
        self.unreachablePrefixes = unreachable
        self.logger = logger
        if !unreachable.isEmpty { want(unreachable.sorted().map { ($0, []) }) }
    }

    /// The route for `prefix` through next-hop set `set`, as Peerlet installs it.
    private func route(_ prefix: IPPrefix, set: UInt32) -> KernelRoute {
        KernelRoute(
            prefix: prefix, sortedNextHops: set >= Self.unreachable ? [] : nextHopSets[Int(set)], table: config.table,
            protocolNumber: config.protocolNumber, metric: config.metric, type: set == Self.unreachable ? .unreachable : .unicast)
    }

    /// The interned identifier of a next-hop set (on the queue).
    private func intern(_ hops: [IPAddress]) -> UInt32 {
        if let id = setIndex[hops] { return id }
        let id = UInt32(nextHopSets.count)
        nextHopSets.append(Array(Set(hops)).map { KernelNextHop(gateway: $0) }.sorted())
        setIndex[hops] = id
        return id
    }

    /// Wants each prefix to go to its next hops (an ECMP route when several), or not to be in the kernel (none).
    public func want(_ routes: [(prefix: IPPrefix, nextHops: [IPAddress])]) {
        guard !routes.isEmpty else { return }
        queue.async { [self] in
            guard !frozen else { return }
            var last: (hops: [IPAddress], id: UInt32)? = nil  // consecutive routes usually share next hops
            for (prefix, hops) in routes {
                let id: UInt32
                if hops.isEmpty {
                    id = unreachablePrefixes.contains(prefix) ? Self.unreachable : Self.removal
                } else if let last, last.hops == hops {
                    id = last.id
                } else {
                    id = intern(hops)
                    last = (hops, id)
                }
                wanted[prefix] = id == Self.removal ? nil : id
                pending.append((prefix, id))
            }
            scheduleFlush()
        }
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        // Yield once so that a burst of changes leaves in few large batches.
        queue.async { [self] in
            flushScheduled = false
            flush()
        }
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        var batch: [(prefix: IPPrefix, set: UInt32)] = []
        swap(&batch, &pending)
        // Applied in chunks: the messages, operations and results of a chunk are transient memory, and a million
        // at once would double the daemon's footprint for the length of a full-table install.
        var operations: [FIBOperation] = []
        operations.reserveCapacity(min(batch.count, Self.chunk))
        for (prefix, set) in batch {
            if set == Self.removal {
                failures[prefix] = nil
                conflicts.remove(prefix)
                operations.append(.remove(route(prefix, set: set)))
            } else if !conflicts.contains(prefix) {
                operations.append(.install(route(prefix, set: set)))
            }
            if operations.count == Self.chunk {
                apply(operations)
                operations.removeAll(keepingCapacity: true)
            }
        }
        if !operations.isEmpty { apply(operations) }
    }

    /// Operations per `RouteTable.apply` call.
    private static let chunk = 16_384

    /// Hands a chunk to the kernel queue; its outcome comes back to `queue` (`absorb`).
    private func apply(_ operations: [FIBOperation]) {
        inFlight.wait()
        kernel.async { [self] in
            let outcome = Result { () throws(FIBError) in try table.apply(operations) }
            inFlight.signal()
            queue.async { self.absorb(operations, outcome) }
        }
    }

    /// Records a chunk's outcome (on `queue`).
    private func absorb(_ operations: [FIBOperation], _ outcome: Result<[FIBResult], FIBError>) {
        switch outcome {
        case .success(let results):
            for (operation, result) in zip(operations, results) {
                switch result {
                case .done:
                    counters.applied += 1
                    if !failures.isEmpty { failures[operation.route.prefix] = nil }
                case .failed(let errno):
                    counters.failed += 1
                    failures[operation.route.prefix] = errno
                    logger.warning("\(LogEvent.fibFailed(operation, errno: errno))")
                }
            }
        case .failure(.overrun):
            counters.overruns += 1
            logger.warning("\(LogEvent.fibOverrun)")
            guard !reconcileQueued else { return }
            reconcileQueued = true
            // After the outcomes already queued, so that they do not overwrite what the reconcile finds.
            queue.async { [self] in
                reconcileQueued = false
                reconcile()
            }
        case .failure(let error):
            logger.error("\(LogEvent.fibError(error))")
        }
    }

    /// Waits until every chunk handed to the kernel is done and its outcome recorded (not on `queue`).
    private func drain() {
        queue.sync { kernel.sync {} }
        queue.sync {}
    }

    /// Dumps the table and makes Peerlet's routes in it exactly the wanted ones.
    private func reconcile() {
        counters.reconciles += 1
        do {
            // On the kernel queue: after every chunk already handed to it.
            let observed = try kernel.sync { () throws(FIBError) in
                try table.dump(table: config.table, ipv6: false) + table.dump(table: config.table, ipv6: true)
            }
            let desired = wanted.map { route($0, set: $1) }
            let plan = FIBReconciler(protocolNumber: config.protocolNumber).plan(desired: desired, observed: observed)
            conflicts = Set(plan.conflicts.map(\.prefix))
            for route in plan.conflicts { logger.warning("\(LogEvent.fibConflict(route))") }
            if !plan.operations.isEmpty { apply(plan.operations) }
            releaseIdleNextHops()
        } catch {
            logger.error("\(LogEvent.fibError(error))")
        }
    }

    /// Called when the initial table has arrived from every neighbour (End-of-RIB), or at the latest after
    /// `staleAfter`: removes stale routes left from before the start. Later calls do nothing.
    public func initialConvergence() {
        queue.async { [self] in
            guard !reconciled else { return }
            reconciled = true
            flush()
            reconcile()
        }
    }

    /// The start of a clean stop, before the sessions close: with `keepRoutesOnExit` the table is frozen, so the
    /// withdrawals that closing sessions cause do not reach the kernel.
    public func beginShutdown() {
        queue.sync {
            guard config.keepRoutesOnExit else { return }
            frozen = true
            pending.removeAll()
        }
    }

    /// A clean stop: removes Peerlet's routes unless configured to keep them. Blocks until done.
    public func stop() {
        queue.sync {
            pending.removeAll()
            guard !config.keepRoutesOnExit else { return }
            let removals = wanted.map { FIBOperation.remove(route($0, set: $1)) }
            wanted.removeAll()
            apply(removals)
            releaseIdleNextHops()
        }
        drain()
    }

    /// Deletes next-hop objects no route uses, on the kernel queue after the chunks before it.
    private func releaseIdleNextHops() {
        kernel.async { [self] in
            do throws(FIBError) {
                try table.releaseIdleNextHops()
            } catch {
                logger.error("\(LogEvent.fibError(error))")
            }
        }
    }

    /// The wanted routes, the refusals and the counters (for the CLI and tests): a snapshot, which may not yet
    /// include the outcome of chunks the kernel is working on (`settled: true` waits for them).
    public func inspect(settled: Bool = false) -> (wanted: [KernelRoute], failures: [IPPrefix: Int32], counters: Counters) {
        if settled {
            queue.sync {}  // a `want` already queued has scheduled its flush
            queue.sync {}  // the flush has handed its chunks to the kernel queue
            drain()
        }
        return queue.sync { (wanted.map { route($0, set: $1) }, failures, counters) }
    }
}
