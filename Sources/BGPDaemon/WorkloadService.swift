// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import FIBSync
import Logging
import NIOCore
import NetlinkMNL
import Synchronization

/// Workload discovery in the daemon: the kernel monitor's events go through a `WorkloadTracker`, and what it
/// decides reaches the routing engine on the event loop. Prefixes that are also configured networks or IPAM
/// blocks are left to the configuration (announced regardless of workloads).
final class WorkloadService: Sendable {
    private let monitor: MNLKernelMonitor
    private let tracker: Mutex<WorkloadTracker>
    private let configured: Set<IPPrefix>
    private let logger: Logger

    /// Opens the monitor (throws when netlink is unavailable).
    init(config: DaemonConfig, logger: Logger) throws(FIBError) {
        let w = config.workloads
        let rules = WorkloadTracker.Rules(
            interfaces: w.interfaces.compactMap(InterfacePattern.init), addressInterfaces: w.addresses.compactMap(InterfacePattern.init),
            protocols: Set(w.protocols), table: w.table,
            ownProtocol: config.fib.protocolNumber, ownedBlocks: w.blocks,
            ipvlanSubnets: w.ipvlan.compactMap { entry in InterfacePattern(entry.interface).map { ($0, entry.subnets) } })
        tracker = Mutex(WorkloadTracker(rules: rules))
        configured = Set(config.networks.map(\.prefix)).union(w.blocks)
        self.logger = logger
        monitor = try MNLKernelMonitor()
    }

    /// Starts watching; changes are handed to `routing` on `eventLoop`.
    func start(routing: RoutingEngine, eventLoop: any EventLoop) {
        let logger = self.logger
        monitor.start { [self] delivery in
            let changes = apply(delivery)
            let originate = changes.compactMap { if case .originate(let p) = $0, !configured.contains(p) { p } else { nil } }
            let withdraw = changes.compactMap { if case .withdraw(let p) = $0, !configured.contains(p) { p } else { nil } }
            for prefix in originate { logger.info("\(LogEvent.workloadOriginated(prefix, status: status(of: prefix)))") }
            for prefix in withdraw { logger.info("\(LogEvent.workloadWithdrawn(prefix))") }
            guard !originate.isEmpty || !withdraw.isEmpty else { return }
            eventLoop.execute { routing.updateWorkloads(originate: originate, withdraw: withdraw) }
        } failed: { error in
            logger.error("\(LogEvent.workloadMonitorFailed(error))")
        }
    }

    /// Stops watching.
    func stop() { monitor.stop() }

    /// Why a prefix is or is not originated as a workload.
    func status(of prefix: IPPrefix) -> WorkloadTracker.Status { tracker.withLock { $0.status(of: prefix) } }

    /// The originated workload prefixes.
    var originated: Set<IPPrefix> { tracker.withLock { $0.originated } }

    private func apply(_ delivery: MNLKernelMonitor.Delivery) -> [WorkloadTracker.Change] {
        tracker.withLock { tracker in
            switch delivery {
            case .events(let events):
                return tracker.handle(events)
            case .snapshot(let events, let resync):
                if resync { logger.warning("\(LogEvent.workloadResync)") }
                return tracker.replace(with: events)
            }
        }
    }
}
