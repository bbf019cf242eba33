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
    let config: DaemonConfig
    private let logger: Logger
    private let eventLoop: any EventLoop
    private let transports: (NeighborConfig) -> any PeerTransport
    /// The controllers by neighbour address.
    public let controllers: [IPAddress: PeerController]
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
                jitterSeed: UInt64.random(in: 0...UInt64.max) &+ UInt64(index))
            let controller = PeerController(
                neighbor: neighbor, session: session, eventLoop: eventLoop, transport: transports(neighbor), logger: logger)
            controllers[neighbor.address] = controller
            ordered.append(controller)
        }
        self.controllers = controllers
        routing = RoutingEngine(config: config, controllers: ordered, eventLoop: eventLoop, logger: logger)
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
                        metric: config.fib.metric), config: config.fib, unreachable: unreachable, logger: logger)
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
                let workloads = try WorkloadService(config: config, logger: logger)
                self.workloads = workloads
                workloads.start(routing: routing, eventLoop: eventLoop)
            } catch {
                throw StartupError("peerletd: cannot watch the kernel's links and routes for workloads: \(error)")
            }
        }
        if config.listen.enabled {
            let listener = BGPListener(eventLoop: eventLoop, controllers: controllers, logger: logger)
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
