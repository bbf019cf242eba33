// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPSession
import BGPWire
import Testing

/// RFC 4271 §8.2.2, state by state: each row is (state, event) → (next state, what must be in the actions).
@Suite struct TransitionTableTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var state: SessionStateMachine.State
        var event: SessionEvent
        var next: SessionStateMachine.State
        var note: String
        var config: SessionConfiguration = S.config()
        var check: @Sendable ([SessionAction]) -> Bool = { _ in true }
        var testDescription: String { "\(state) + \(note) -> \(next)" }
    }

    static let hold1 = SessionTimer(.hold, S.c1)
    static let ka1 = SessionTimer(.keepalive, S.c1)
    static let fsm1 = NotificationMessage(code: .finiteStateMachineError, subcode: 1)
    static let fsm2 = NotificationMessage(code: .finiteStateMachineError, subcode: 2)
    static let fsm3 = NotificationMessage(code: .finiteStateMachineError, subcode: 3)
    static let holdExpired = NotificationMessage(code: .holdTimerExpired, subcode: 0)

    static let rows: [Row] = [
        // Idle
        Row(state: .idle, event: .start, next: .connect, note: "ManualStart (1)") { a in
            a.contains(.connect) && a.contains(.armTimer(SessionTimer(.connectRetry), .seconds(5)))
        },
        Row(state: .idle, event: .start, next: .active, note: "ManualStart passive (5)", config: S.config(passive: true)) { a in
            !a.contains(.connect)
        },
        Row(state: .idle, event: .stop(communication: nil), next: .idle, note: "ManualStop (2)") { a in a.sent(on: S.c1).isEmpty },
        Row(state: .idle, event: .tcpConnectionConfirmed(S.c2), next: .idle, note: "incoming while stopped") { a in a == [.close(S.c2)] },
        Row(state: .idle, event: .timerExpired(SessionTimer(.connectRetry)), next: .idle, note: "ConnectRetry (9) ignored") { $0.isEmpty },
        Row(state: .idle, event: S.received(.keepalive), next: .idle, note: "KEEPALIVE ignored") { $0.isEmpty },
        // Connect
        Row(state: .connect, event: .timerExpired(SessionTimer(.connectRetry)), next: .connect, note: "ConnectRetry (9)") { a in
            a.contains(.connect)
        },
        Row(state: .connect, event: .tcpConnectionAcknowledged(S.c2), next: .openSent, note: "Tcp_CR_Acked (16)") { a in
            a.sent(on: S.c2).first.map { if case .open = $0 { true } else { false } } == true
                && a.contains(.armTimer(SessionTimer(.hold, S.c2), .seconds(240)))
                && a.contains(.cancelTimer(SessionTimer(.connectRetry)))
        },
        Row(state: .connect, event: .tcpConnectionConfirmed(S.c2), next: .openSent, note: "TcpConnectionConfirmed (17)") { a in
            a.contains(.cancelConnect) && !a.sent(on: S.c2).isEmpty
        },
        Row(state: .connect, event: .tcpConnectionAttemptFailed, next: .active, note: "TcpConnectionFails (18)") { a in
            a.contains(.armTimer(SessionTimer(.connectRetry), .seconds(5)))
        },
        Row(state: .connect, event: .tcpConnectionAcknowledged(S.c2), next: .connect, note: "Tcp_CR_Acked with DelayOpen",
            config: S.config(delayOpen: .seconds(3))) { a in
            a.contains(.armTimer(SessionTimer(.delayOpen, S.c2), .seconds(3))) && a.sent(on: S.c2).isEmpty
        },
        Row(state: .connect, event: .stop(communication: nil), next: .idle, note: "ManualStop (2)") { a in a.contains(.cancelConnect) },
        Row(state: .connect, event: .timerExpired(hold1), next: .connect, note: "stale HoldTimer ignored") { $0.isEmpty },
        // Active
        Row(state: .active, event: .timerExpired(SessionTimer(.connectRetry)), next: .connect, note: "ConnectRetry (9)") { a in
            a.contains(.connect)
        },
        Row(state: .active, event: .tcpConnectionConfirmed(S.c2), next: .openSent, note: "TcpConnectionConfirmed (17)") { a in
            !a.sent(on: S.c2).isEmpty
        },
        Row(state: .active, event: .timerExpired(SessionTimer(.connectRetry)), next: .active, note: "ConnectRetry passive",
            config: S.config(passive: true)) { $0.isEmpty },
        Row(state: .active, event: .stop(communication: nil), next: .idle, note: "ManualStop (2)"),
        // OpenSent
        Row(state: .openSent, event: S.received(.open(S.peerOpen())), next: .openConfirm, note: "BGPOpen (19)") { a in
            a.sent() == [.keepalive] && a.contains(.armTimer(hold1, .seconds(90))) && a.contains(.armTimer(ka1, .seconds(30)))
        },
        Row(state: .openSent, event: S.received(.open(S.peerOpen(hold: 9))), next: .openConfirm, note: "BGPOpen, lower hold time") { a in
            a.contains(.armTimer(hold1, .seconds(9))) && a.contains(.armTimer(ka1, .seconds(3)))
        },
        Row(state: .openSent, event: S.received(.open(S.peerOpen(hold: 0))), next: .openConfirm, note: "BGPOpen, hold time 0") { a in
            a.contains(.cancelTimer(hold1)) && !a.contains { if case .armTimer(let t, _) = $0 { t == ka1 } else { false } }
        },
        Row(state: .openSent, event: S.received(.open(S.peerOpen(asn: 65001))), next: .idle, note: "BGPOpen bad peer AS (22)") { a in
            a.notification()?.code == .openMessageError && a.notification()?.subcode == 2 && a.closes(S.c1)
        },
        Row(state: .openSent, event: S.received(.open(S.peerOpen(hold: 2))), next: .idle, note: "BGPOpen hold time 2") { a in
            a.notification()?.subcode == 6
        },
        Row(state: .openSent, event: S.received(.open(S.peerOpen(id: RouterID(rawValue: 0)))), next: .idle, note: "BGPOpen identifier 0") { a in
            a.notification()?.subcode == 3
        },
        Row(state: .openSent, event: S.received(.keepalive), next: .idle, note: "KeepAliveMsg (26)") { a in a.notification() == fsm1 },
        Row(state: .openSent, event: S.received(.update(S.update)), next: .idle, note: "UpdateMsg (27)") { a in a.notification() == fsm1 },
        Row(state: .openSent, event: S.received(.notification(.cease(.peerDeconfigured))), next: .idle, note: "NotifMsg (25)") { a in
            a.notification() == nil && a.closes(S.c1)
        },
        Row(state: .openSent, event: .timerExpired(hold1), next: .idle, note: "HoldTimer_Expires (10)") { a in
            a.notification() == holdExpired && a.closes(S.c1)
        },
        Row(state: .openSent, event: .tcpConnectionClosed(S.c1), next: .idle, note: "TcpConnectionFails (18)") { a in
            a.contains { if case .armTimer(let t, _) = $0 { t.kind == .idleHold } else { false } }
        },
        Row(state: .openSent, event: .messageError(S.c1, .badMessageType(9)), next: .idle, note: "BGPHeaderErr (21)") { a in
            a.notification() == NotificationMessage(code: .messageHeaderError, subcode: 3, data: [9])
        },
        Row(state: .openSent, event: .tcpConnectionConfirmed(S.c2), next: .openSent, note: "second connection (collision candidate)") { a in
            a.sent(on: S.c2).first.map { if case .open = $0 { true } else { false } } == true
        },
        Row(state: .openSent, event: .stop(communication: "bye"), next: .idle, note: "ManualStop (2)") { a in
            a.notification()?.shutdownCommunication == "bye"
        },
        // OpenConfirm
        Row(state: .openConfirm, event: S.received(.keepalive), next: .established, note: "KeepAliveMsg (26)") { a in
            a.contains { if case .established(S.c1, _) = $0 { true } else { false } } && a.contains(.armTimer(hold1, .seconds(90)))
        },
        Row(state: .openConfirm, event: .timerExpired(ka1), next: .openConfirm, note: "KeepaliveTimer_Expires (11)") { a in
            a.sent() == [.keepalive] && a.contains(.armTimer(ka1, .seconds(30)))
        },
        Row(state: .openConfirm, event: S.received(.open(S.peerOpen())), next: .idle, note: "second OPEN") { a in a.notification() == fsm2 },
        Row(state: .openConfirm, event: S.received(.update(S.update)), next: .idle, note: "UpdateMsg (27)") { a in a.notification() == fsm2 },
        Row(state: .openConfirm, event: .timerExpired(hold1), next: .idle, note: "HoldTimer_Expires (10)") { a in a.notification() == holdExpired },
        Row(state: .openConfirm, event: S.received(.notification(.cease(.administrativeReset))), next: .idle, note: "NotifMsg (25)") { a in
            a.notification() == nil
        },
        // Established
        Row(state: .established, event: S.received(.keepalive), next: .established, note: "KeepAliveMsg (26)") { a in
            a == [.armTimer(hold1, .seconds(90))]
        },
        Row(state: .established, event: S.received(.update(S.update)), next: .established, note: "UpdateMsg (27)") { a in
            a.contains(.deliver(S.update))
        },
        Row(state: .established, event: .timerExpired(ka1), next: .established, note: "KeepaliveTimer_Expires (11)") { a in
            a.sent() == [.keepalive]
        },
        Row(state: .established, event: .timerExpired(hold1), next: .idle, note: "HoldTimer_Expires (10)") { a in
            a.notification() == holdExpired && a.sessionDown && a.closes(S.c1)
        },
        Row(state: .established, event: S.received(.open(S.peerOpen())), next: .idle, note: "OPEN in Established") { a in
            a.notification() == fsm3 && a.sessionDown
        },
        Row(state: .established, event: S.received(.notification(.cease(.administrativeShutdown))), next: .idle, note: "NotifMsg (25)") { a in
            a.sessionDown && a.notification() == nil
        },
        Row(state: .established, event: .tcpConnectionClosed(S.c1), next: .idle, note: "TcpConnectionFails (18)") { a in a.sessionDown },
        Row(state: .established, event: .tcpConnectionConfirmed(S.c2), next: .established, note: "connection while Established") { a in
            a.notification(on: S.c2) == .cease(.connectionRejected) && a.closes(S.c2) && !a.closes(S.c1)
        },
        Row(state: .established, event: .stop(communication: "maintenance"), next: .idle, note: "ManualStop (2)") { a in
            a.notification()?.shutdownCommunication == "maintenance" && a.sessionDown
        },
        Row(state: .established, event: S.received(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast))), next: .established,
            note: "ROUTE-REFRESH") { a in a.contains(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast))) },
        Row(state: .established, event: S.received(.routeRefresh(RouteRefreshMessage(family: .ipv6Unicast))), next: .established,
            note: "ROUTE-REFRESH for a family not negotiated (RFC 2918 §4)") { a in
            !a.contains { if case .routeRefresh = $0 { true } else { false } }
        },
        Row(state: .established, event: S.received(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: .init(rawValue: 9)))),
            next: .established, note: "ROUTE-REFRESH unknown subtype (RFC 7313 §5)") { a in
            !a.contains { if case .routeRefresh = $0 { true } else { false } }
        },
        Row(state: .established, event: .writabilityChanged(S.c1, isWritable: false), next: .established, note: "send buffer full (RFC 9687)") { a in
            a == [.armTimer(SessionTimer(.sendHold, S.c1), .seconds(480))]
        },
        Row(state: .established, event: .messageError(S.c1, .update(.malformedAttributeList, reason: "x")), next: .idle,
            note: "UpdateMsgErr (28)") { a in
            a.notification()?.code == .updateMessageError && a.sessionDown
        },
    ]

    @Test(arguments: rows)
    func transition(row: Row) {
        var m = S.machine(in: row.state, config: row.config)
        #expect(m.state == row.state)
        let actions = m.handle(row.event)
        #expect(m.state == row.next)
        #expect(row.check(actions), "actions: \(actions)")
    }

    @Test func delayOpenAnswersAnEarlyOpen() {
        var m = S.machine(in: .connect, config: S.config(delayOpen: .seconds(5)))
        _ = m.handle(.tcpConnectionAcknowledged(S.c1))
        let actions = m.handle(S.received(.open(S.peerOpen())))
        // §8.2.2 Connect, Event 20: send OPEN and KEEPALIVE, go to OpenConfirm.
        #expect(m.state == .openConfirm)
        #expect(actions.sent().map(\.type) == [.open, .keepalive])
    }

    @Test func delayOpenTimerSendsOpen() {
        var m = S.machine(in: .connect, config: S.config(delayOpen: .seconds(5)))
        _ = m.handle(.tcpConnectionAcknowledged(S.c1))
        let actions = m.handle(.timerExpired(SessionTimer(.delayOpen, S.c1)))
        #expect(m.state == .openSent)
        #expect(actions.sent().map(\.type) == [.open])
    }

    @Test func sendHoldTimerExpiryEndsTheSession() {
        var m = S.machine(in: .established)
        _ = m.handle(.writabilityChanged(S.c1, isWritable: false))
        let actions = m.handle(.timerExpired(SessionTimer(.sendHold, S.c1)))
        #expect(m.state == .idle)
        #expect(actions.notification() == NotificationMessage(code: .sendHoldTimerExpired, subcode: 0))
        #expect(actions.sessionDown)
    }

    @Test func drainedSendBufferCancelsTheSendHoldTimer() {
        var m = S.machine(in: .established)
        _ = m.handle(.writabilityChanged(S.c1, isWritable: false))
        #expect(m.handle(.writabilityChanged(S.c1, isWritable: true)) == [.cancelTimer(SessionTimer(.sendHold, S.c1))])
    }

    @Test func treatAsWithdrawIsDeliveredAsWithdrawal() {
        var m = S.machine(in: .established)
        let issue = AttributeIssue(attributeCode: 1, handling: .treatAsWithdraw, error: .update(.invalidOriginAttribute, reason: "x"))
        let actions = m.handle(S.received(.update(S.update), issues: [issue]))
        #expect(actions.contains(.reportIssues([issue])))
        #expect(actions.contains(.deliver(UpdateMessage(withdrawnRoutes: S.update.nlri))))
        #expect(m.state == .established)
    }

    @Test func afiSafiDisableResetsTheSession() {
        var m = S.machine(in: .established)
        let issue = AttributeIssue(attributeCode: 14, handling: .afiSafiDisable(.ipv6Unicast), error: .update(.optionalAttributeError, reason: "x"))
        let actions = m.handle(S.received(.update(S.update), issues: [issue]))
        #expect(m.state == .idle)
        #expect(actions.notification() == NotificationMessage(code: .updateMessageError, subcode: 9))
    }

    @Test func roleMismatchIsRefused() {
        var m = S.machine(in: .openSent, config: S.config(role: .customer))
        let actions = m.handle(S.received(.open(S.peerOpen(extra: [.role(.customer)]))))
        #expect(actions.notification() == NotificationMessage(code: .openMessageError, subcode: 11))
        var strict = S.machine(in: .openSent, config: S.config(role: .customer, strictRole: true))
        #expect(strict.handle(S.received(.open(S.peerOpen()))).notification()?.subcode == 11)
        var fine = S.machine(in: .openSent, config: S.config(role: .customer))
        _ = fine.handle(S.received(.open(S.peerOpen(extra: [.role(.provider)]))))
        #expect(fine.state == .openConfirm)
    }
}

/// Every state × every event: the machine never traps, only takes transitions RFC 4271 §8.2.2 allows from
/// that state, and never sends a NOTIFICATION without closing that connection.
@Suite struct TotalityTests {
    static let events: [SessionEvent] = [
        .start, .stop(communication: "x"), .reset(.administrativeReset, communication: nil, restart: true),
        .timerExpired(SessionTimer(.connectRetry)), .timerExpired(SessionTimer(.idleHold)),
        .timerExpired(SessionTimer(.hold, S.c1)), .timerExpired(SessionTimer(.keepalive, S.c1)),
        .timerExpired(SessionTimer(.delayOpen, S.c1)), .timerExpired(SessionTimer(.sendHold, S.c1)),
        .tcpConnectionAcknowledged(S.c1), .tcpConnectionAcknowledged(S.c2), .tcpConnectionConfirmed(S.c2),
        .tcpConnectionAttemptFailed, .tcpConnectionClosed(S.c1), .tcpConnectionClosed(S.c2),
        S.received(.open(S.peerOpen())), S.received(.open(S.peerOpen(asn: 1))), S.received(.keepalive),
        S.received(.update(S.update)), S.received(.notification(.cease(.peerDeconfigured))),
        S.received(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast))),
        .messageError(S.c1, .connectionNotSynchronized()), .writabilityChanged(S.c1, isWritable: false),
        .writabilityChanged(S.c1, isWritable: true), S.received(.keepalive, on: S.c2),
    ]

    static let allowed: [SessionStateMachine.State: Set<SessionStateMachine.State>] = [
        .idle: [.idle, .connect, .active, .openSent],
        .connect: [.connect, .active, .openSent, .openConfirm, .idle],
        .active: [.active, .connect, .openSent, .openConfirm, .idle],
        .openSent: [.openSent, .openConfirm, .idle],
        .openConfirm: [.openConfirm, .established, .openSent, .idle],
        .established: [.established, .idle],
    ]

    static let states: [SessionStateMachine.State] = [.idle, .connect, .active, .openSent, .openConfirm, .established]

    @Test(arguments: states)
    func everyEventIsHandled(state: SessionStateMachine.State) {
        for passive in [false, true] {
            for delay in [nil, Duration.seconds(2)] {
                for event in Self.events {
                    var m = S.machine(in: state, config: S.config(passive: passive, delayOpen: delay))
                    guard m.state == state else { continue }  // not reachable with this configuration
                    let actions = m.handle(event)
                    #expect(Self.allowed[state]!.contains(m.state), "\(state) + \(event) -> \(m.state)")
                    for case .send(let c, .notification) in actions {
                        #expect(actions.contains(.close(c)), "\(state) + \(event): NOTIFICATION without close")
                    }
                }
            }
        }
    }
}
