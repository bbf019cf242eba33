// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire

extension SessionStateMachine {
    /// RFC 6608 FSM Error subcodes: unexpected message in OpenSent (1), OpenConfirm (2), Established (3).
    static func fsmError(_ subcode: UInt8) -> NotificationMessage {
        NotificationMessage(code: .finiteStateMachineError, subcode: subcode)
    }

    /// A message on the primary connection.
    mutating func received(_ message: BGPMessage, issues: [AttributeIssue]) -> [SessionAction] {
        if case .notification(let notification) = message {
            // Event 25 in any state: close and go to Idle. Nothing is sent back (§6.4 forbids answering a
            // NOTIFICATION with one).
            return fail(notification: nil, reason: "", down: .notificationReceived(notification))
        }
        switch phase {
        case .idle:
            return []
        case .connect(let delayed?), .active(let delayed?):
            // §8.2.2 Connect/Active with the DelayOpenTimer running: an OPEN answers at once.
            guard case .open(let open) = message else {
                return fail(notification: NotificationMessage(code: .finiteStateMachineError, subcode: 0), reason: "\(message.type) before OPEN")
            }
            return receivedOpen(open, on: delayed, sendOwnOpen: true)
        case .connect(nil), .active(nil):
            return []
        case .openSent(let connection):
            guard case .open(let open) = message else {
                return fail(notification: Self.fsmError(1), reason: "\(message.type) in OpenSent")
            }
            return receivedOpen(open, on: connection, sendOwnOpen: false)
        case .openConfirm(let connection, let peerOpen):
            guard case .keepalive = message else {
                return fail(notification: Self.fsmError(2), reason: "\(message.type) in OpenConfirm")
            }
            // Event 26 in OpenConfirm: Established.
            let negotiated = NegotiatedSession(local: localOpen, peer: peerOpen, configuration: configuration)
            phase = .established(connection, negotiated)
            var actions: [SessionAction] = [.established(connection.id, negotiated)]
            actions += restartHold(connection.id, negotiated.holdTime)
            // §6.8: a collision with an Established session closes the newer connection.
            actions += dropCandidate(.cease(.connectionCollisionResolution))
            return actions
        case .established(let connection, let negotiated):
            return receivedEstablished(message, issues: issues, connection: connection, negotiated: negotiated)
        }
    }

    /// Processes a valid-looking OPEN on the primary connection (OpenSent, or Connect/Active with DelayOpen).
    mutating func receivedOpen(_ open: OpenMessage, on connection: Connection, sendOwnOpen: Bool) -> [SessionAction] {
        var actions: [SessionAction] = []
        if sendOwnOpen {
            actions += [.cancelTimer(SessionTimer(.delayOpen, connection.id)), .send(connection.id, .open(localOpen))]
        }
        if let error = configuration.validate(open) {
            return actions + fail(notification: error.notification, reason: error.reason)
        }
        if let candidate {
            // §6.8: the OPEN's BGP Identifier settles the collision now.
            if keepsCandidate(remote: open.bgpIdentifier, primary: connection) {
                let collision = NotificationMessage.cease(.connectionCollisionResolution)
                actions += [.send(connection.id, .notification(collision)), .close(connection.id)]
                actions += cancelTimers(of: connection.id)
                self.candidate = nil
                phase = .openSent(candidate)
                return actions + [.attemptFailed(.notificationSent(collision, reason: "connection collision"))]
            }
            actions += dropCandidate(.cease(.connectionCollisionResolution))
        }
        return actions + confirmOpen(open, on: connection)
    }

    /// Sends KEEPALIVE, arms the negotiated timers and enters OpenConfirm (§8.2.2 OpenSent, Event 19).
    mutating func confirmOpen(_ open: OpenMessage, on connection: Connection) -> [SessionAction] {
        phase = .openConfirm(connection, peerOpen: open)
        let negotiated = NegotiatedSession(local: localOpen, peer: open, configuration: configuration)
        var actions: [SessionAction] = [.send(connection.id, .keepalive)]
        actions += restartHold(connection.id, negotiated.holdTime)
        actions += armKeepalive(on: connection.id)
        return actions
    }

    /// True when the candidate (always neighbour-initiated) must survive a collision with `primary` (§6.8):
    /// the connection initiated by the speaker with the higher BGP Identifier survives.
    func keepsCandidate(remote: RouterID, primary: Connection) -> Bool {
        let localWins = configuration.routerID > remote
        return !(localWins && primary.outgoing)
    }

    /// A message on the collision candidate, which has sent its OPEN and waits for the neighbour's.
    mutating func candidateReceived(_ message: BGPMessage) -> [SessionAction] {
        guard let candidate else { return [] }
        switch message {
        case .open(let open):
            if let error = configuration.validate(open) { return dropCandidate(error.notification) }
            guard let connection = primary, state == .openSent || state == .openConfirm,
                keepsCandidate(remote: open.bgpIdentifier, primary: connection)
            else {
                return dropCandidate(.cease(.connectionCollisionResolution))
            }
            // The candidate wins: close the primary, continue on the candidate.
            let collision = NotificationMessage.cease(.connectionCollisionResolution)
            var actions: [SessionAction] = [.send(connection.id, .notification(collision)), .close(connection.id)]
            actions += cancelTimers(of: connection.id)
            actions.append(.attemptFailed(.notificationSent(collision, reason: "connection collision")))
            self.candidate = nil
            return actions + confirmOpen(open, on: candidate)
        case .notification:
            return dropCandidate(nil)
        default:
            return dropCandidate(Self.fsmError(1))
        }
    }

    /// Messages in Established (§8.2.2 Established).
    mutating func receivedEstablished(
        _ message: BGPMessage, issues: [AttributeIssue], connection: Connection, negotiated: NegotiatedSession
    ) -> [SessionAction] {
        var actions = restartHold(connection.id, negotiated.holdTime)
        switch message {
        case .keepalive:
            failureCount = 0
            return actions
        case .update(let update):
            failureCount = 0
            if !issues.isEmpty { actions.append(.reportIssues(issues)) }
            switch issues.map(\.handling).max() {
            case .afiSafiDisable?, .sessionReset?:
                // RFC 7606 §2: Peerlet does not disable single families; it resets the session.
                let issue = issues.first { $0.handling >= .afiSafiDisable(.ipv4Unicast) }!
                return actions + fail(notification: issue.error.notification, reason: issue.error.reason)
            case .treatAsWithdraw?:
                return actions + update.treatedAsWithdraw().map { .deliver($0) }
            case .attributeDiscard?, nil:
                return actions + [.deliver(update)]
            }
        case .routeRefresh(let refresh):
            // RFC 2918 §4: ignore a family not negotiated; RFC 7313 §5: ignore unknown subtypes.
            guard negotiated.families.contains(refresh.family), refresh.subtype.rawValue <= 2 else { return actions }
            return actions + [.routeRefresh(refresh)]
        case .open:
            return fail(notification: Self.fsmError(3), reason: "OPEN in Established")
        case .notification:
            return []  // handled before the switch
        }
    }

    /// Restarts the hold timer with `seconds` (cancels it when the negotiated hold time is 0).
    func restartHold(_ id: ConnectionID, _ seconds: UInt16) -> [SessionAction] {
        let timer = SessionTimer(.hold, id)
        return seconds == 0 ? [.cancelTimer(timer)] : [.armTimer(timer, .seconds(Int(seconds)))]
    }
}
