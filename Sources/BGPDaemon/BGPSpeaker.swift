// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPConfig
public import BGPModel
import BGPSession
import BGPWire
import FIBSync
import NetlinkMNL
public import Logging
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// The BGP speaker as a service: one controller per neighbour and the listener, all on one event loop (the
/// session engine). On graceful shutdown it sends Cease/Administrative Shutdown (RFC 9003 communication) to
/// every neighbour and waits briefly for the connections to close.
public final class BGPSpeaker: Service, @unchecked Sendable {
    private(set) var config: DaemonConfig
    private let logger: Logger
    private let eventLoop: any EventLoop
    private let transports: (NeighborConfig) -> any PeerTransport
    /// The controllers by neighbour address (changed by a reload, on the event loop).
    public private(set) var controllers: [IPAddress: PeerController]
    private var listener: BGPListener?
    private var started = false
    let routing: RoutingEngine

    /// Creates the speaker; nothing runs until `run()`.
    public init(
        config: DaemonConfig, eventLoop: any EventLoop, logger: Logger,
        transports: @escaping (NeighborConfig) -> any PeerTransport = { TCPPeerTransport(neighbor: $0) }
    ) {
        self.config = config
        self.logger = logger
        self.eventLoop = eventLoop
        self.transports = transports
        var controllers: [IPAddress: PeerController] = [:]
        var ordered: [PeerController] = []
        for (index, neighbor) in config.neighbors.enumerated() {
            let controller = Self.makeController(
                neighbor, config: config, eventLoop: eventLoop, transport: transports(neighbor), logger: Self.logger(logger, "session", config),
                seed: UInt64(index))
            controllers[neighbor.address] = controller
            ordered.append(controller)
        }
        self.controllers = controllers
        routing = RoutingEngine(config: config, controllers: ordered, eventLoop: eventLoop, logger: Self.logger(logger, "routing", config))
    }

    /// The logger of one subsystem: `logger` at the level `log.subsystems` gives it, if any.
    public static func logger(_ logger: Logger, _ subsystem: String, _ config: DaemonConfig) -> Logger {
        guard let text = config.log.subsystems[subsystem], let level = Logger.Level(rawValue: text) else { return logger }
        var copy = logger
        copy.logLevel = level
        return copy
    }

    /// A neighbour's session controller, with the session settings its configuration gives.
    static func makeController(
        _ neighbor: NeighborConfig, config: DaemonConfig, eventLoop: any EventLoop, transport: any PeerTransport, logger: Logger, seed: UInt64
    ) -> PeerController {
        let session = SessionConfiguration(
            localAS: config.localAS, routerID: config.routerID, peerAS: neighbor.peerAS,
            holdTime: neighbor.holdTime, keepaliveTime: neighbor.keepaliveTime,
            connectRetryTime: neighbor.connectRetryTime, passive: neighbor.passive,
            delayOpenTime: neighbor.delayOpenTime, families: neighbor.families,
            addPath: (neighbor.addPathReceive || neighbor.addPathSend)
                ? neighbor.families.map {
                    AddPathEntry(family: $0, mode: AddPathMode(rawValue: (neighbor.addPathReceive ? 1 : 0) | (neighbor.addPathSend ? 2 : 0)))
                } : [],
            // RFC 4724 §3: the capability with no families says "I send and understand End-of-RIB" without
            // claiming preserved forwarding state, so no helper keeps our routes; it makes BIRD and FRR send
            // End-of-RIB, which tells the FIB when the initial table is complete. (Full GR: issue #7.)
            gracefulRestart: GracefulRestartCapability(restartTime: 0, families: []),
            jitterSeed: UInt64.random(in: 0...UInt64.max) &+ seed)
        return PeerController(neighbor: neighbor, session: session, eventLoop: eventLoop, transport: transport, logger: logger)
    }

    /// The number of incoming connections refused because they were not from a neighbour.
    public var refusedConnections: Int { listener?.refusedConnections ?? 0 }

    /// The kernel FIB service, when `fib.enabled`.
    public private(set) var fib: FIBService?
    /// Workload discovery, when `workloads` is configured.
    private(set) var workloads: WorkloadService?

    /// Binds the listener, opens the kernel routing table and starts every session. Throws `StartupError` with one
    /// line when the listener cannot bind or netlink cannot be opened.
    public func start() async throws {
        guard !started else { return }
        started = true
        if config.fib.enabled {
            do {
                let unreachable = config.workloads.unreachableBlocks ? Set(config.workloads.blocks) : []
                let fib = FIBService(
                    table: try MNLRouteTable(
                        nextHopObjects: config.fib.nextHopObjects, protocolNumber: config.fib.protocolNumber, table: config.fib.table,
                        metric: config.fib.metric), config: config.fib, unreachable: unreachable, logger: Self.logger(logger, "fib", config))
                self.fib = fib
                let routing = self.routing
                let staleAfter = config.fib.staleAfter
                let logger = self.logger
                try await eventLoop.submit {
                    routing.fib = fib
                    // At the latest after `staleAfter`, stale routes from before the start are removed.
                    self.eventLoop.scheduleTask(in: staleAfter.timeAmount) {
                        logger.notice("\(LogEvent.fibConverged(reason: "stale-after \(staleAfter) elapsed"))")
                        fib.initialConvergence()
                    }
                }.get()
            } catch let error as FIBError {
                throw StartupError("peerletd: cannot open the kernel routing table: \(error) (fib.enabled: false to run without)")
            }
        }
        if config.workloads.isEnabled {
            do {
                let workloads = try WorkloadService(config: config, logger: Self.logger(logger, "workloads", config))
                self.workloads = workloads
                workloads.start(routing: routing, eventLoop: eventLoop)
            } catch {
                throw StartupError("peerletd: cannot watch the kernel's links and routes for workloads: \(error)")
            }
        }
        if config.listen.enabled {
            let listener = BGPListener(eventLoop: eventLoop, controllers: controllers, logger: Self.logger(logger, "session", config))
            for address in config.listen.addresses {
                try await listener.bind(address, port: config.listen.port)
            }
            self.listener = listener
        }
        let controllers = Array(self.controllers.values)
        let routing = self.routing
        try await eventLoop.submit {
            routing.originateNetworks()
            for controller in controllers { controller.start() }
        }.get()
    }

    /// Reloads to `new`: computes the difference and, unless `dryRun`, applies it without resetting any session
    /// whose settings did not change. Throws `ReloadRefused` (nothing applied) when the difference holds a
    /// setting only a restart can change.
    public func reload(to new: DaemonConfig, dryRun: Bool) async throws -> ConfigDiff {
        let diff = ConfigDiff(from: config, to: new)
        if !diff.restartRequired.isEmpty { throw ReloadRefused(diff: diff) }
        guard !dryRun, !diff.isEmpty else { return diff }
        let routing = self.routing
        let transports = self.transports
        let logger = self.logger
        let eventLoop = self.eventLoop
        let listener = self.listener
        let controllers = try await eventLoop.submit { [self] () -> [IPAddress: PeerController] in
            var controllers = self.controllers
            for address in diff.removed {
                controllers.removeValue(forKey: address)?.handle(.reset(.peerDeconfigured, communication: "removed from the configuration", restart: false))
                routing.remove(neighborAt: address)
            }
            for address in diff.reset.keys.sorted() {
                controllers.removeValue(forKey: address)?.handle(.reset(.otherConfigurationChange, communication: "configuration changed", restart: false))
                routing.remove(neighborAt: address)
            }
            var started: [PeerController] = []
            for neighbor in new.neighbors where diff.added.contains(neighbor.address) || diff.reset[neighbor.address] != nil {
                let controller = Self.makeController(
                    neighbor, config: new, eventLoop: eventLoop, transport: transports(neighbor), logger: Self.logger(logger, "session", new),
                    seed: UInt64(controllers.count))
                controllers[neighbor.address] = controller
                routing.add(controller)
                started.append(controller)
            }
            routing.reconfigure(new, diff: diff)
            listener?.controllers = controllers
            for controller in started { controller.start() }
            return controllers
        }.get()
        self.controllers = controllers
        config = new
        logger.notice("\(LogEvent.reloaded(diff))")
        return diff
    }

    /// Sends Cease to every neighbour and closes everything.
    public func shutdown(communication: String = "peerletd shutting down") async {
        logger.notice("\(LogEvent.shuttingDown)")
        fib?.beginShutdown()
        workloads?.stop()
        await listener?.close()
        let controllers = Array(self.controllers.values)
        try? await eventLoop.submit { for controller in controllers { controller.stop(communication: communication) } }.get()
        // Give the NOTIFICATIONs up to two seconds to leave.
        for _ in 0..<40 {
            let open = (try? await eventLoop.submit { controllers.reduce(0) { $0 + $1.openConnections } }.get()) ?? 0
            if open == 0 { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // The FIB stops last: routes are removed (or kept, for graceful restart) after the sessions are gone.
        fib?.stop()
    }

    /// Starts (if `start()` was not called yet), runs until graceful shutdown, then shuts down.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await shutdown()
    }
}

/// A reload that would change a setting only a restart can change: nothing was applied.
public struct ReloadRefused: Error, Sendable, CustomStringConvertible {
    /// The difference, with `restartRequired` not empty.
    public var diff: ConfigDiff

    public var description: String {
        "the new configuration changes \(diff.restartRequired.joined(separator: ", ")), which only a restart applies; nothing was changed"
    }
}
