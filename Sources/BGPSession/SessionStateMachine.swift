// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import BGPWire

/// The BGP finite state machine of one neighbour (RFC 4271 §8), as a pure value: events in, actions out.
///
/// It never reads a clock or touches a socket. It asks for timers with `.armTimer` and learns of their expiry
/// through `.timerExpired`; it asks for connections with `.connect` and learns of them through the TCP events.
/// The transport executes the actions in order and does nothing else (see `PeerController` in BGPDaemon).
///
/// One machine covers the neighbour's connections: the primary one and, during a connection collision
/// (§6.8), one more incoming connection (the *candidate*). Whichever receives an OPEN first settles the
/// collision with the BGP Identifier it carries: the connection initiated by the side with the higher
/// identifier survives, the other gets Cease/Connection Collision Resolution.
///
/// Deliberate choices, documented in docs/architecture.md:
/// - After a failure the machine waits in Idle for a capped exponential backoff (IdleHoldTimer, §8.1.1
///   DampPeerOscillations) and restarts by itself. An incoming connection during that wait starts the
///   session at once instead of being refused: the neighbour has shown it is ready.
/// - The hold timer restarts on every message received in Established, not only KEEPALIVE and UPDATE.
/// - AFI/SAFI-disable (RFC 7606) is escalated to a session reset.
public struct SessionStateMachine: Sendable {
    /// The RFC 4271 §8.2.2 state, for display.
    public enum State: String, Hashable, Sendable, CustomStringConvertible {
        /// Idle: refuses nothing it can use, waits for start or the backoff to end.
        case idle = "Idle"
        /// Connect: waiting for the outgoing TCP connection.
        case connect = "Connect"
        /// Active: waiting for the neighbour to connect (or for ConnectRetry to try again).
        case active = "Active"
        /// OpenSent: our OPEN is sent, waiting for the neighbour's.
        case openSent = "OpenSent"
        /// OpenConfirm: OPENs exchanged, waiting for the KEEPALIVE that confirms.
        case openConfirm = "OpenConfirm"
        /// Established: UPDATEs flow.
        case established = "Established"

        public var description: String { rawValue }
    }

    /// A connection and who initiated it.
    struct Connection: Hashable, Sendable {
        var id: ConnectionID
        var outgoing: Bool
    }

    /// The machine's state with the data each state owns.
    enum Phase: Sendable {
        case idle(automaticRestart: Bool)
        case connect(delayed: Connection?)
        case active(delayed: Connection?)
        case openSent(Connection)
        case openConfirm(Connection, peerOpen: OpenMessage)
        case established(Connection, NegotiatedSession)
    }

    /// The neighbour's configuration.
    public let configuration: SessionConfiguration
    var phase: Phase = .idle(automaticRestart: false)
    /// An incoming connection that arrived in OpenSent/OpenConfirm and waits for its OPEN (§6.8).
    var candidate: Connection?
    var outgoingInFlight = false
    /// Consecutive failed attempts: the backoff exponent.
    var failureCount = 0
    var random: JitterGenerator
    var sendHoldArmed = false

    /// The OPEN we send.
    public let localOpen: OpenMessage

    /// Hold time while waiting for the first OPEN (§8.2.2: "a large value ... 4 minutes").
    static let largeHoldTime: Duration = .seconds(240)

    /// Creates a machine in Idle; send `.start` to begin.
    public init(configuration: SessionConfiguration) {
        self.configuration = configuration
        self.random = JitterGenerator(seed: configuration.jitterSeed)
        self.localOpen = configuration.openMessage
    }

    /// The current state.
    public var state: State {
        switch phase {
        case .idle: .idle
        case .connect: .connect
        case .active: .active
        case .openSent: .openSent
        case .openConfirm: .openConfirm
        case .established: .established
        }
    }

    /// The negotiated parameters while Established.
    public var negotiated: NegotiatedSession? {
        if case .established(_, let n) = phase { return n }
        return nil
    }

    /// The connection the session runs on while Established.
    public var establishedConnection: ConnectionID? {
        if case .established(let c, _) = phase { return c.id }
        return nil
    }

    /// The primary connection, in any state that has one.
    var primary: Connection? {
        switch phase {
        case .idle: nil
        case .connect(let d), .active(let d): d
        case .openSent(let c), .openConfirm(let c, _), .established(let c, _): c
        }
    }

    // MARK: - Dispatch

    /// Processes one event and returns the actions to execute, in order.
    public mutating func handle(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start:
            return start()
        case .stop(let communication):
            return stop(.administrativeShutdown, communication: communication, restart: false)
        case .reset(let subcode, let communication, let restart):
            return stop(subcode, communication: communication, restart: restart)
        case .cease(let notification, let restartAfter):
            return stop(notification: notification, restartAfter: restartAfter)
        case .timerExpired(let timer):
            return timerExpired(timer)
        case .tcpConnectionAcknowledged(let id):
            return connectionUp(Connection(id: id, outgoing: true))
        case .tcpConnectionConfirmed(let id):
            return connectionUp(Connection(id: id, outgoing: false))
        case .tcpConnectionAttemptFailed:
            return outgoingAttemptFailed()
        case .tcpConnectionClosed(let id):
            return connectionClosed(id)
        case .messageReceived(let id, let message, let issues):
            if candidate?.id == id { return candidateReceived(message) }
            guard primary?.id == id else { return [] }
            return received(message, issues: issues)
        case .messageError(let id, let error):
            if candidate?.id == id {
                return dropCandidate(error.notification)
            }
            guard let connection = primary, connection.id == id else { return [] }
            return fail(notification: error.notification, reason: error.reason)
        case .writabilityChanged(let id, let isWritable):
            return writabilityChanged(id, isWritable: isWritable)
        }
    }

    // MARK: - Start, stop, connect

    mutating func start() -> [SessionAction] {
        guard case .idle = phase else { return [] }
        var actions: [SessionAction] = [.cancelTimer(SessionTimer(.idleHold))]
        if configuration.passive {
            phase = .active(delayed: nil)
        } else {
            phase = .connect(delayed: nil)
            outgoingInFlight = true
            actions.append(.connect)
            actions.append(.armTimer(SessionTimer(.connectRetry), jittered(configuration.connectRetryTime)))
        }
        return actions
    }

    mutating func stop(_ subcode: CeaseSubcode, communication: String?, restart: Bool) -> [SessionAction] {
        stop(
            notification: NotificationMessage.cease(subcode, communication: communication),
            restartAfter: restart ? configuration.idleHoldTime : nil)
    }

    /// Sends `notification` on every connection, closes them, and goes to Idle; restarts after `restartAfter`.
    mutating func stop(notification: NotificationMessage, restartAfter: Duration?) -> [SessionAction] {
        var actions: [SessionAction] = []
        if let candidate {
            actions += [.send(candidate.id, .notification(notification)), .close(candidate.id)]
            actions += cancelTimers(of: candidate.id)
            self.candidate = nil
        }
        switch phase {
        case .idle:
            break
        case .connect(let delayed), .active(let delayed):
            if let delayed { actions += [.close(delayed.id)] + cancelTimers(of: delayed.id) }
        case .openSent(let c), .openConfirm(let c, _):
            actions += [.send(c.id, .notification(notification)), .close(c.id)] + cancelTimers(of: c.id)
            actions.append(.attemptFailed(.stopped))
        case .established(let c, _):
            actions += [.send(c.id, .notification(notification)), .close(c.id)] + cancelTimers(of: c.id)
            actions.append(.sessionDown(.notificationSent(notification, reason: "")))
        }
        if outgoingInFlight {
            actions.append(.cancelConnect)
            outgoingInFlight = false
        }
        actions.append(.cancelTimer(SessionTimer(.connectRetry)))
        phase = .idle(automaticRestart: restartAfter != nil)
        if let restartAfter {
            actions.append(.armTimer(SessionTimer(.idleHold), jittered(restartAfter)))
        } else {
            actions.append(.cancelTimer(SessionTimer(.idleHold)))
        }
        return actions
    }

    mutating func connectionUp(_ connection: Connection) -> [SessionAction] {
        if connection.outgoing { outgoingInFlight = false }
        switch phase {
        case .idle(let automaticRestart):
            // A stale outgoing connection, or an incoming one while stopped: refuse.
            guard automaticRestart, !connection.outgoing else { return [.close(connection.id)] }
            phase = .active(delayed: nil)
            return [.cancelTimer(SessionTimer(.idleHold))] + connectionUp(connection)
        case .connect(let delayed), .active(let delayed):
            guard delayed == nil else { return [.close(connection.id)] }
            var actions: [SessionAction] = [.cancelTimer(SessionTimer(.connectRetry))]
            if outgoingInFlight {
                actions.append(.cancelConnect)
                outgoingInFlight = false
            }
            if let delay = configuration.delayOpenTime {
                // §8.2.2 Connect/Active with DelayOpen: wait before sending OPEN.
                actions.append(.armTimer(SessionTimer(.delayOpen, connection.id), delay))
                phase = state == .connect ? .connect(delayed: connection) : .active(delayed: connection)
                return actions
            }
            return actions + sendOpen(on: connection)
        case .openSent, .openConfirm:
            // §6.8: a second connection while opening: keep it until an OPEN settles the collision.
            guard candidate == nil, !connection.outgoing else { return [.close(connection.id)] }
            candidate = connection
            return [
                .send(connection.id, .open(localOpen)),
                .armTimer(SessionTimer(.hold, connection.id), Self.largeHoldTime),
            ]
        case .established:
            // §6.8: "collision with existing BGP connection that is in the Established state causes closing of
            // the newly created connection".
            return [
                .send(connection.id, .notification(.cease(.connectionRejected))), .close(connection.id),
            ]
        }
    }

    /// Sends OPEN and enters OpenSent with the large hold time.
    mutating func sendOpen(on connection: Connection) -> [SessionAction] {
        phase = .openSent(connection)
        return [
            .send(connection.id, .open(localOpen)),
            .armTimer(SessionTimer(.hold, connection.id), Self.largeHoldTime),
        ]
    }

    mutating func outgoingAttemptFailed() -> [SessionAction] {
        guard outgoingInFlight else { return [] }
        outgoingInFlight = false
        guard case .connect(let delayed) = phase, delayed == nil else { return [] }
        // §8.2.2 Connect, Event 18: restart ConnectRetryTimer, continue to listen, go to Active.
        phase = .active(delayed: nil)
        return [
            .armTimer(SessionTimer(.connectRetry), jittered(configuration.connectRetryTime)),
            .attemptFailed(.connectFailed),
        ]
    }

    mutating func connectionClosed(_ id: ConnectionID) -> [SessionAction] {
        if candidate?.id == id {
            candidate = nil
            return [.close(id)] + cancelTimers(of: id)
        }
        guard primary?.id == id else { return [] }
        return fail(notification: nil, reason: "")
    }

    // MARK: - Timers

    mutating func timerExpired(_ timer: SessionTimer) -> [SessionAction] {
        switch timer.kind {
        case .connectRetry:
            switch phase {
            case .connect(nil), .active(nil):
                guard !configuration.passive else { return [] }
                phase = .connect(delayed: nil)
                outgoingInFlight = true
                return [.connect, .armTimer(SessionTimer(.connectRetry), jittered(configuration.connectRetryTime))]
            default:
                return []
            }
        case .idleHold:
            guard case .idle(true) = phase else { return [] }
            return start()
        case .hold:
            let expired = NotificationMessage(code: .holdTimerExpired, subcode: 0)
            if let candidate, candidate.id == timer.connection { return dropCandidate(expired) }
            guard let connection = primary, connection.id == timer.connection else { return [] }
            return fail(notification: expired, reason: "hold timer expired")
        case .keepalive:
            guard let connection = primary, connection.id == timer.connection else { return [] }
            switch phase {
            case .openConfirm, .established:
                return [.send(connection.id, .keepalive)] + armKeepalive(on: connection.id)
            default:
                return []
            }
        case .delayOpen:
            switch phase {
            case .connect(let delayed?), .active(let delayed?):
                guard delayed.id == timer.connection else { return [] }
                return sendOpen(on: delayed)
            default:
                return []
            }
        case .sendHold:
            guard case .established(let connection, _) = phase, connection.id == timer.connection else { return [] }
            // RFC 9687 §3: send the NOTIFICATION if at all possible, then close.
            return fail(
                notification: NotificationMessage(code: .sendHoldTimerExpired, subcode: 0),
                reason: "could not send for the send hold time")
        }
    }

    mutating func writabilityChanged(_ id: ConnectionID, isWritable: Bool) -> [SessionAction] {
        guard case .established(let connection, let negotiated) = phase, connection.id == id else { return [] }
        let timer = SessionTimer(.sendHold, id)
        if isWritable {
            guard sendHoldArmed else { return [] }
            sendHoldArmed = false
            return [.cancelTimer(timer)]
        }
        guard !sendHoldArmed else { return [] }
        sendHoldArmed = true
        // RFC 9687 §3: "max(8 minutes, 2 x HoldTime)" unless configured.
        let time = configuration.sendHoldTime ?? max(.seconds(480), .seconds(2 * Int(negotiated.holdTime)))
        return [.armTimer(timer, time)]
    }

    // MARK: - Helpers

    /// The KEEPALIVE timer for the negotiated interval, jittered (§10).
    mutating func armKeepalive(on id: ConnectionID) -> [SessionAction] {
        let seconds: UInt16
        switch phase {
        case .established(_, let n): seconds = n.keepaliveTime
        case .openConfirm(_, let open):
            seconds = NegotiatedSession(local: localOpen, peer: open, configuration: configuration).keepaliveTime
        default: return []
        }
        guard seconds > 0 else { return [] }
        return [.armTimer(SessionTimer(.keepalive, id), jittered(.seconds(Int(seconds))))]
    }

    mutating func jittered(_ duration: Duration) -> Duration {
        configuration.jitter ? random.jitter(duration) : duration
    }

    func cancelTimers(of id: ConnectionID) -> [SessionAction] {
        [.hold, .keepalive, .delayOpen, .sendHold].map { .cancelTimer(SessionTimer($0, id)) }
    }

    /// Closes the candidate, sending `notification` first.
    mutating func dropCandidate(_ notification: NotificationMessage?) -> [SessionAction] {
        guard let candidate else { return [] }
        self.candidate = nil
        var actions: [SessionAction] = []
        if let notification { actions.append(.send(candidate.id, .notification(notification))) }
        return actions + [.close(candidate.id)] + cancelTimers(of: candidate.id)
    }

    /// Ends the primary connection after an error (sending `notification` if given). With a collision
    /// candidate waiting, the candidate takes over; otherwise the machine backs off in Idle.
    mutating func fail(
        notification: NotificationMessage?, reason: String, down: SessionDownReason? = nil
    ) -> [SessionAction] {
        var actions: [SessionAction] = []
        let wasEstablished = state == .established
        if let connection = primary {
            if let notification { actions.append(.send(connection.id, .notification(notification))) }
            actions.append(.close(connection.id))
            actions += cancelTimers(of: connection.id)
        }
        sendHoldArmed = false
        let why = down ?? notification.map { .notificationSent($0, reason: reason) } ?? .connectionClosed
        actions.append(wasEstablished ? .sessionDown(why) : .attemptFailed(why))
        if let candidate {
            self.candidate = nil
            phase = .openSent(candidate)
            return actions
        }
        return actions + backOff()
    }

    /// Goes to Idle and arms the IdleHoldTimer with capped exponential backoff.
    mutating func backOff() -> [SessionAction] {
        var actions: [SessionAction] = [.cancelTimer(SessionTimer(.connectRetry))]
        if outgoingInFlight {
            actions.append(.cancelConnect)
            outgoingInFlight = false
        }
        failureCount += 1
        let exponent = min(failureCount - 1, 16)
        let delay = min(configuration.idleHoldTime * (1 << exponent), configuration.maximumIdleHoldTime)
        phase = .idle(automaticRestart: true)
        actions.append(.armTimer(SessionTimer(.idleHold), jittered(delay)))
        return actions
    }
}
