// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPConfig
public import BGPModel
import Dispatch
import Glibc
import Synchronization
public import FIBSync
public import Logging
import CoreMetrics

/// Keeps a kernel routing table equal to the Loc-RIB's routes (OpenBGPD's `kr_*`, BIRD's `krt`).
///
/// The routing engine hands it wanted routes per prefix (`want`), recorded at once in `WantedRoutes`. Batches are
/// made on the service's serial queue and the blocking netlink calls run on a second one, in order, chunk by
/// chunk: while the kernel works through one chunk (most of a full-table install is kernel time), the next is
/// prepared, so the two overlap on two cores. At most `inFlight` chunks wait for the kernel, which bounds the
/// memory a burst can take. Every operation's outcome is kept: a route the kernel refuses (ENETUNREACH: its next hop is on no connected network) stays in the RIB, not in the kernel, and the
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
    /// Each chunk's time from hand-off to acknowledgement (`peerlet_fib_install_latency_seconds`).
    private let installLatency = CoreMetrics.Timer(label: "peerlet_fib_install_latency_seconds", preferredDisplayUnit: .seconds)
    /// Chunks handed to `kernel` and not yet done.
    private let inFlight = DispatchSemaphore(value: 3)
    /// Changes not taken yet: written by `want` on the caller's thread.
    private let intake: Mutex<WantedRoutes.Intake>
    // The rest is confined to `queue`.
    private var state = WantedRoutes()
    /// An overrun was reported and a reconcile is queued (several overrunning chunks cause one reconcile).
    private var reconcileQueued = false
    /// Chunks handed to the kernel queue whose outcome has not come back. While two are waiting, new changes
    /// stay in the intake and leave together once the kernel catches up: large batches, and a withdrawal of
    /// every route through a next hop seen as one.
    private var chunksInFlight = 0
    private var reconciled = false
    /// Routes the kernel refused, with the errno.
    private var failures: [IPPrefix: Int32] = [:]
    /// Wanted routes not installed because another protocol holds the key.
    private var conflicts: Set<IPPrefix> = [] {
        didSet { if !conflicts.isEmpty { scheduleConflictRetry() } }
    }
    private let conflictRetry: Duration
    private var conflictRetryScheduled = false
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
        /// Routes not installed because another owner's route held the key.
        public var conflicts = 0
    }

    /// Creates the service over `table`.
    ///
    /// `unreachable`: owned IPAM blocks to cover with an unreachable route, so that traffic to an unused address in
    /// the block is answered with ICMP unreachable here instead of following a default route back to the fabric.
    /// Workload routes inside are more specific, so the covering route never shadows one.
    ///
    /// `conflictRetry`: how often a route kept out by another owner's route is tried again, so that it is
    /// installed soon after the other route goes.
    public init(
        table: any RouteTable, config: FIBConfig, unreachable: Set<IPPrefix> = [], logger: Logger,
        conflictRetry: Duration = .seconds(10)
    ) {
        self.table = table
        self.config = config
        self.logger = logger
        self.conflictRetry = conflictRetry
        intake = Mutex(WantedRoutes.Intake(unreachablePrefixes: unreachable))
        if !unreachable.isEmpty { want(unreachable.sorted().map { ($0, []) }) }
    }

    /// Wants each prefix to go to its next hops (an ECMP route when several), or not to be in the kernel (none).
    /// Recorded at once on the caller's thread; applied soon after, in batches, on the service's queues.
    public func want(_ routes: [(prefix: IPPrefix, nextHops: [IPAddress])]) {
        guard !routes.isEmpty else { return }
        let queueFlush = intake.withLock { intake -> Bool in
            intake.record(routes)
            guard !intake.flushQueued, !intake.pending.isEmpty else { return false }
            intake.flushQueued = true
            return true
        }
        // Changes recorded until the flush runs leave with it, in few large batches.
        if queueFlush { queue.async { self.flush() } }
    }

    private func flush() {
        guard chunksInFlight < 2 else { return }  // `absorb` flushes when the kernel catches up
        let (taken, sets) = intake.withLock { intake in
            intake.flushQueued = false
            return (intake.take(), intake.nextHopSets)
        }
        guard !taken.isEmpty else { return }
        // Routes are built by `state`, which has the intake's sets once a batch is taken.
        let route = { (prefix: IPPrefix, set: UInt32) in self.state.route(prefix, set: set, config: self.config) }
        var whole: Set<UInt32> = []
        let takenAtOnce = taken.count >= Self.wholeSetThreshold && taken.isRemovalsOnly
        // Removals only: the whole batch is taken at once, to see which sets lose every route in it. Otherwise
        // chunk by chunk, so the kernel starts on the first while the next is taken.
        let all = takenAtOnce ? state.take(taken, sets: sets) : WantedRoutes.Batch()
        if takenAtOnce { whole = state.wholeSetRemovals(all, threshold: Self.wholeSetThreshold) }
        // Every route through a next-hop set removed at once (a peer gone, a full withdrawal): one operation for
        // the set, which the kernel applies in one step when the set is a next-hop object.
        if !whole.isEmpty {
            var prefixes = [UInt32: [IPPrefix]]()
            all.forEach { prefix, _, before in
                guard whole.contains(before) else { return }
                failures[prefix] = nil
                conflicts.remove(prefix)
                prefixes[before, default: []].append(prefix)
            }
            for (set, prefixes) in prefixes.sorted(by: { $0.key < $1.key }) {
                let routes = RouteSet(template: route(prefixes[0], WantedRoutes.removal), prefixes: prefixes)
                apply([.removeThrough(nextHops: sets[Int(set)], routes: routes)])
            }
        }
        // Applied in chunks: the messages, operations and results of a chunk are transient memory, and a million
        // at once would double the daemon's footprint for the length of a full-table install.
        var operations: [FIBOperation] = []
        operations.reserveCapacity(min(taken.count, Self.chunk))
        func emit(_ piece: WantedRoutes.Batch) {
            piece.forEach { prefix, set, before in
                if set == WantedRoutes.removal {
                    guard !whole.contains(before) else { return }
                    failures[prefix] = nil
                    conflicts.remove(prefix)
                    operations.append(.remove(route(prefix, set)))
                } else if !conflicts.contains(prefix) {
                    // A key new to us is created, never replaced: another owner's route there is a conflict.
                    operations.append(before == WantedRoutes.removal ? .create(route(prefix, set)) : .install(route(prefix, set)))
                }
                if operations.count == Self.chunk {
                    apply(operations)
                    operations.removeAll(keepingCapacity: true)
                }
            }
        }
        if takenAtOnce {
            emit(all)
        } else {
            for (v6, range) in taken.pieces(Self.chunk) { emit(state.take(taken.piece(v6: v6, range), sets: sets)) }
        }
        if !operations.isEmpty { apply(operations) }
        // A large batch leaves much freed memory in malloc's arenas: give it back once the kernel is done.
        if taken.count >= 65_536 { kernel.async { _ = releaseFreeMemory(0) } }
    }

    /// Operations per `RouteTable.apply` call.
    private static let chunk = 16_384
    /// The fewest removals through one set worth one operation for the set.
    static let wholeSetThreshold = 1_024

    /// Hands a chunk to the kernel queue; its outcome comes back to `queue` (`absorb`).
    private func apply(_ operations: [FIBOperation]) {
        chunksInFlight += 1
        let handed = ContinuousClock.now
        inFlight.wait()
        kernel.async { [self] in
            let outcome = Result { () throws(FIBError) in try table.apply(operations) }
            // From the chunk's hand-off to its last acknowledgement: queueing behind earlier chunks included.
            installLatency.recordNanoseconds(Int64((ContinuousClock.now - handed) / .nanoseconds(1)))
            inFlight.signal()
            queue.async { self.absorb(operations, outcome) }
        }
    }

    /// Records a chunk's outcome (on `queue`).
    private func absorb(_ operations: [FIBOperation], _ outcome: Result<[FIBResult], FIBError>) {
        chunksInFlight -= 1
        defer {
            if chunksInFlight < 2, intake.withLock({ !$0.pending.isEmpty }) { flush() }
        }
        switch outcome {
        case .success(let results):
            for (operation, result) in zip(operations, results) {
                switch result {
                case .done:
                    counters.applied += operation.prefixes.count
                    if !failures.isEmpty { for prefix in operation.prefixes { failures[prefix] = nil } }
                    if case .create(let route) = operation, conflicts.contains(route.prefix) { conflicts.remove(route.prefix) }
                case .failed(EEXIST) where { if case .create = operation { true } else { false } }():
                    // Another owner's route holds the key: left alone, ours not installed. A retry that finds it
                    // still there is neither counted nor logged again.
                    failures[operation.route.prefix] = nil
                    if conflicts.insert(operation.route.prefix).inserted {
                        counters.conflicts += 1
                        logger.warning("\(LogEvent.fibConflict(operation.route))")
                    } else {
                        scheduleConflictRetry()
                    }
                case .failed(let errno):
                    counters.failed += 1
                    for prefix in operation.prefixes { failures[prefix] = errno }
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

    /// Waits until every change is applied and its outcome recorded, reconciles included (not on `queue`).
    private func drain() {
        while true {
            queue.sync { kernel.sync {} }
            let quiet = queue.sync { chunksInFlight == 0 && !reconcileQueued && intake.withLock { $0.pending.isEmpty } }
            if quiet { return }
        }
    }

    /// Dumps the table and makes Peerlet's routes in it exactly the wanted ones.
    private func reconcile() {
        counters.reconciles += 1
        do {
            // On the kernel queue: after every chunk already handed to it.
            let observed = try kernel.sync { () throws(FIBError) in
                try table.dump(table: config.table, ipv6: false) + table.dump(table: config.table, ipv6: true)
            }
            let desired = state.routes(config: config)
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
        guard config.keepRoutesOnExit else { return }
        intake.withLock { intake in
            intake.frozen = true
            intake.dropPending()
        }
    }

    /// A clean stop: removes Peerlet's routes unless configured to keep them. Blocks until done.
    public func stop() {
        queue.sync {
            intake.withLock { intake in
                intake.dropPending()
                intake.frozen = true
            }
            guard !config.keepRoutesOnExit else { return }
            let removals = state.removeAll().map { FIBOperation.remove(state.route($0.0, set: $0.1, config: config)) }
            apply(removals)
            releaseIdleNextHops()
        }
        drain()
    }

    /// Tries the routes kept out by another owner's route again, after `conflictRetry` (on `queue`): the other
    /// route may be gone. A route still held is a conflict again; one that went in leaves the set.
    private func scheduleConflictRetry() {
        guard !conflictRetryScheduled else { return }
        conflictRetryScheduled = true
        let (seconds, attoseconds) = conflictRetry.components
        let delay = DispatchTimeInterval.nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        queue.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self else { return }
            conflictRetryScheduled = false
            let retry = conflicts.compactMap { prefix in state.route(forWanted: prefix, config: config) }
            guard !retry.isEmpty else { return }
            apply(retry.map { .create($0) })
        }
    }

    /// A session went down: the link under it may have, and the kernel may have changed next-hop objects on its
    /// own. The table reads them again before the chunks that follow (queued in order on the kernel queue).
    public func nextHopsMayHaveChanged() {
        kernel.async { [table] in table.refreshNextHops() }
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

    /// The wanted routes with their state (installed, failed with the errno, or in conflict), those inside
    /// `within` only when given, and the counters: what `peerlet show fib` shows. A snapshot.
    public func view(within: IPPrefix? = nil) -> (routes: [(route: KernelRoute, state: RouteState)], counters: Counters) {
        queue.sync {
            var routes: [(route: KernelRoute, state: RouteState)] = []
            for route in state.routes(config: config) where within?.contains(route.prefix) ?? true {
                let state: RouteState =
                    conflicts.contains(route.prefix) ? .conflict : failures[route.prefix].map { .failed(errno: $0) } ?? .installed
                routes.append((route, state))
            }
            return (routes.sorted { $0.route.prefix < $1.route.prefix }, counters)
        }
    }

    /// The operation counters.
    public func counterValues() -> Counters { queue.sync { counters } }

    /// Counts for the status page: wanted routes, refusals, conflicts.
    public func summary() -> (wanted: Int, failed: Int, conflicts: Int) {
        queue.sync { (state.count, failures.count, conflicts.count) }
    }

    /// A wanted route's state in the kernel.
    public enum RouteState: Hashable, Sendable {
        /// Installed (its acknowledgement came back without error).
        case installed
        /// Refused by the kernel with this errno; the route stays in the RIB.
        case failed(errno: Int32)
        /// Not installed: a route of another protocol holds the same prefix and metric.
        case conflict
    }

    /// The wanted routes, the refusals and the counters (for the CLI and tests): a snapshot, which may not yet
    /// include the outcome of chunks the kernel is working on (`settled: true` waits for them).
    public func inspect(settled: Bool = false) -> (wanted: [KernelRoute], failures: [IPPrefix: Int32], counters: Counters) {
        if settled { drain() }
        return queue.sync { (state.routes(config: config), failures, counters) }
    }
}

/// glibc's malloc_trim(3) (not in Swift's Glibc module): returns the free pages of every arena to the system.
@_silgen_name("malloc_trim")
private func releaseFreeMemory(_ pad: Int) -> Int32
