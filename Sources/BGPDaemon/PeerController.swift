// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPConfig
public import BGPModel
public import BGPSession
public import BGPWire
public import Logging
public import NIOCore

/// Runs one neighbour's `SessionStateMachine` on an event loop: feeds it events from the connections and the
/// timers, and executes the actions it returns. That is all it does; every protocol decision is the machine's.
///
/// Confined to `eventLoop`: every method must be called on it (they assert so), which is what makes the
/// `@unchecked Sendable` sound. Events raised while actions are executing are queued and handled in order, so
/// the actions of one event always run to completion before the next event is seen.
public final class PeerController: @unchecked Sendable {
    /// The neighbour.
    public let neighbor: NeighborConfig
    /// The loop everything runs on.
    public let eventLoop: any EventLoop
    let transport: any PeerTransport
    let logger: Logger
    /// The state machine.
    public private(set) var machine: SessionStateMachine
    /// Counters and last errors, for the CLI and metrics.
    public private(set) var statistics = PeerStatistics()
    /// Called on the event loop for every session-level happening (the RIB subscribes here).
    public var observer: ((PeerNotification) -> Void)?

    private struct Connection {
        var channel: any Channel
        var lastWrite: EventLoopFuture<Void>?
    }

    private var connections: [ConnectionID: Connection] = [:]
    private var timers: [SessionTimer: Scheduled<Void>] = [:]
    private var nextConnectionID: UInt64 = 0
    private var connectAttempt: UInt64 = 0
    private var queue: [SessionEvent] = []
    private var processing = false
    private var closing = 0

    /// Creates a controller in Idle; call `start()`.
    public init(
        neighbor: NeighborConfig, session: SessionConfiguration, eventLoop: any EventLoop, transport: any PeerTransport,
        logger: Logger
    ) {
        self.neighbor = neighbor
        self.eventLoop = eventLoop
        self.transport = transport
        var logger = logger
        logger[metadataKey: "peer"] = "\(neighbor.address)"
        logger[metadataKey: "asn"] = "\(neighbor.peerAS)"
        self.logger = logger
        self.machine = SessionStateMachine(configuration: session)
    }

    /// The codec context for received messages (negotiated once Established).
    var receiveContext: CodecContext {
        machine.negotiated?.receiveContext ?? CodecContext(externalPeer: machine.configuration.isExternal)
    }

    /// The codec context for sent messages.
    public var sendContext: CodecContext {
        machine.negotiated?.sendContext ?? CodecContext(externalPeer: machine.configuration.isExternal)
    }

    // MARK: - Entry points (on the event loop)

    /// Starts the session (ManualStart).
    public func start() { handle(.start) }

    /// Stops the session with Cease/Administrative Shutdown and the given RFC 9003 communication.
    public func stop(communication: String?) { handle(.stop(communication: communication)) }

    /// Adopts an incoming connection from the neighbour.
    public func accept(_ channel: any Channel) {
        eventLoop.assertInEventLoop()
        let id = allocateConnectionID()
        let handler = PeerSessionHandler(id: id, controller: self)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            channel.close(promise: nil)
            return
        }
        connections[id] = Connection(channel: channel)
        logger.debug("\(LogEvent.connectionAccepted(id))")
        handle(.tcpConnectionConfirmed(id))
        handler.start()
    }

    /// Writes already-encoded messages (UPDATEs, and the ROUTE-REFRESH messages of a refresh) on the Established
    /// connection, flushing once; each is counted by the type in its header (RFC 4271 §4.1, octet 18).
    public func send(updates: [ByteBuffer]) {
        eventLoop.assertInEventLoop()
        guard !updates.isEmpty, let id = machine.establishedConnection, var connection = connections[id] else { return }
        for update in updates {
            connection.lastWrite = connection.channel.write(update)
            let type = update.getInteger(at: update.readerIndex + 18, as: UInt8.self).flatMap(BGPMessageType.init) ?? .update
            statistics.sent[type, default: 0] += 1
        }
        connection.channel.flush()
        connections[id] = connection
    }

    /// Our address on the Established connection (the next hop we announce to eBGP neighbours).
    public var localAddress: IPAddress? {
        machine.establishedConnection.flatMap { connections[$0]?.channel.localAddress?.bgpAddress }
    }

    /// The number of connections currently open (for shutdown and tests).
    public var openConnections: Int { connections.count + closing }

    // MARK: - From the handler

    func received(_ message: BGPMessage, issues: [AttributeIssue], on id: ConnectionID) {
        statistics.countReceived(message)
        handle(.messageReceived(id, message, issues: issues))
    }

    func receivedError(_ error: any Error, on id: ConnectionID) {
        guard let error = error as? MessageError else { return }
        statistics.lastError = error.description
        handle(.messageError(id, error))
    }

    func connectionClosed(_ id: ConnectionID) {
        guard connections.removeValue(forKey: id) != nil else { return }
        handle(.tcpConnectionClosed(id))
    }

    func writabilityChanged(_ id: ConnectionID, isWritable: Bool) {
        handle(.writabilityChanged(id, isWritable: isWritable))
        if id == machine.establishedConnection { observer?(.writability(isWritable)) }
    }

    /// Whether the Established connection takes more data without queueing past its high watermark.
    public var isWritable: Bool {
        machine.establishedConnection.flatMap { connections[$0]?.channel.isWritable } ?? false
    }

    // MARK: - The machine

    /// Feeds one event to the machine and executes its actions.
    public func handle(_ event: SessionEvent) {
        eventLoop.assertInEventLoop()
        queue.append(event)
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while !queue.isEmpty {
            let next = queue.removeFirst()
            let before = machine.state
            let actions = machine.handle(next)
            if machine.state != before {
                logger.debug("\(LogEvent.stateChanged(from: before, to: machine.state))")
            }
            for action in actions { execute(action) }
        }
    }

    private func execute(_ action: SessionAction) {
        switch action {
        case .connect:
            connect()
        case .cancelConnect:
            connectAttempt &+= 1
        case .send(let id, let message):
            guard var connection = connections[id] else { return }
            statistics.countSent(message)
            if case .notification(let n) = message { statistics.lastNotificationSent = n }
            connection.lastWrite = connection.channel.writeAndFlush(message.encoded(context: sendContext))
            connections[id] = connection
        case .close(let id):
            guard let connection = connections.removeValue(forKey: id) else { return }
            close(connection)
        case .armTimer(let timer, let duration):
            timers[timer]?.cancel()
            timers[timer] = eventLoop.scheduleTask(in: duration.timeAmount) { [self] in
                timers[timer] = nil
                handle(.timerExpired(timer))
            }
        case .cancelTimer(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .established(_, let negotiated):
            statistics.established(at: .now())
            logger.notice("\(LogEvent.established(negotiated))")
            observer?(.established(negotiated))
        case .sessionDown(let reason):
            statistics.down(reason)
            logger.warning("\(LogEvent.sessionDown(reason))")
            observer?(.down(reason))
        case .attemptFailed(let reason):
            statistics.lastError = reason.description
            if case .notificationReceived(let n) = reason { statistics.lastNotificationReceived = n }
            logger.info("\(LogEvent.attemptFailed(reason))")
        case .deliver(let update):
            logger.trace("\(LogEvent.updateReceived(update))")
            observer?(.update(update))
        case .reportIssues(let issues):
            statistics.updateIssues += issues.count
            for issue in issues { logger.warning("\(LogEvent.updateIssue(issue))") }
        case .routeRefresh(let refresh):
            observer?(.routeRefresh(refresh))
        }
    }

    private func close(_ connection: Connection) {
        let channel = connection.channel
        closing += 1
        channel.closeFuture.whenComplete { [self] _ in closing -= 1 }
        guard let lastWrite = connection.lastWrite else {
            channel.close(promise: nil)
            return
        }
        // Let a final NOTIFICATION leave, but never wait on a stuck socket for long.
        lastWrite.whenComplete { _ in channel.close(promise: nil) }
        eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func allocateConnectionID() -> ConnectionID {
        nextConnectionID += 1
        return ConnectionID(nextConnectionID)
    }

    private func connect() {
        connectAttempt &+= 1
        let attempt = connectAttempt
        let id = allocateConnectionID()
        logger.debug("\(LogEvent.connecting(neighbor.address, port: neighbor.port))")
        transport.connect(on: eventLoop) { [self] channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(PeerSessionHandler(id: id, controller: self))
            }
        }.hop(to: eventLoop).whenComplete { [self] result in
            switch result {
            case .success(let channel):
                guard attempt == connectAttempt else {
                    channel.close(promise: nil)
                    return
                }
                connections[id] = Connection(channel: channel)
                handle(.tcpConnectionAcknowledged(id))
                (try? channel.pipeline.syncOperations.handler(type: PeerSessionHandler.self))?.start()
            case .failure(let error):
                guard attempt == connectAttempt else { return }
                logger.debug("\(LogEvent.connectFailed(error))")
                handle(.tcpConnectionAttemptFailed)
            }
        }
    }
}

/// What a controller tells the rest of the daemon.
public enum PeerNotification: Sendable {
    /// The session reached Established.
    case established(NegotiatedSession)
    /// The Established session ended.
    case down(SessionDownReason)
    /// An UPDATE to apply.
    case update(UpdateMessage)
    /// A route refresh request or marker.
    case routeRefresh(RouteRefreshMessage)
    /// The Established connection's send buffer filled (`false`) or drained (`true`).
    case writability(Bool)
}
