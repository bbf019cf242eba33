// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPSession
import BGPWire
import Testing

/// RFC 4271 §6.8: the connection initiated by the speaker with the higher BGP Identifier survives.
@Suite struct CollisionTests {
    static let collision = NotificationMessage.cease(.connectionCollisionResolution)

    @Test func higherRemoteIdentifierKeepsTheIncomingConnection() {
        // We are 10.0.0.1 with an outgoing connection c1 in OpenSent; the neighbour (10.0.0.2) connects as c2.
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(S.received(.open(S.peerOpen()), on: S.c2))
        #expect(actions.notification(on: S.c1) == Self.collision)
        #expect(actions.closes(S.c1))
        #expect(actions.sent(on: S.c2) == [.keepalive])
        #expect(m.state == .openConfirm)
        _ = m.handle(S.received(.keepalive, on: S.c2))
        #expect(m.establishedConnection == S.c2)
    }

    @Test func lowerRemoteIdentifierKeepsOurConnection() {
        var m = S.machine(in: .openSent, config: S.config(routerID: RouterID("10.0.0.9")!))
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(S.received(.open(S.peerOpen()), on: S.c2))
        #expect(actions.notification(on: S.c2) == Self.collision)
        #expect(actions.closes(S.c2))
        #expect(!actions.closes(S.c1))
        #expect(m.state == .openSent)
        _ = m.handle(S.received(.open(S.peerOpen())))
        _ = m.handle(S.received(.keepalive))
        #expect(m.establishedConnection == S.c1)
    }

    @Test func openOnThePrimarySettlesTheCollisionToo() {
        // The neighbour's OPEN reaches our outgoing connection first; its identifier is higher, so the
        // incoming candidate wins and our connection is closed.
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(S.received(.open(S.peerOpen())))
        #expect(actions.notification(on: S.c1) == Self.collision)
        #expect(m.state == .openSent)
        _ = m.handle(S.received(.open(S.peerOpen()), on: S.c2))
        #expect(m.state == .openConfirm)
        _ = m.handle(S.received(.keepalive, on: S.c2))
        #expect(m.establishedConnection == S.c2)
    }

    @Test func collisionInOpenConfirm() {
        var m = S.machine(in: .openConfirm, config: S.config(routerID: RouterID("10.0.0.9")!))
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(S.received(.open(S.peerOpen()), on: S.c2))
        #expect(actions.closes(S.c2))
        #expect(m.state == .openConfirm)
    }

    @Test func establishedClosesTheCandidate() {
        var m = S.machine(in: .openConfirm)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(S.received(.keepalive))
        #expect(m.state == .established)
        #expect(actions.notification(on: S.c2) == Self.collision)
        #expect(actions.closes(S.c2))
    }

    @Test func candidateTakesOverWhenThePrimaryFails() {
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(.tcpConnectionClosed(S.c1))
        #expect(m.state == .openSent)
        #expect(!actions.contains { if case .armTimer(let t, _) = $0 { t.kind == .idleHold } else { false } })
        _ = m.handle(S.received(.open(S.peerOpen()), on: S.c2))
        _ = m.handle(S.received(.keepalive, on: S.c2))
        #expect(m.establishedConnection == S.c2)
    }

    @Test func candidateErrorsOnlyCloseTheCandidate() {
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        let actions = m.handle(.messageError(S.c2, .badMessageType(9)))
        #expect(actions.closes(S.c2))
        #expect(!actions.closes(S.c1))
        #expect(m.state == .openSent)
    }

    @Test func thirdConnectionIsRefused() {
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionConfirmed(S.c2))
        #expect(m.handle(.tcpConnectionConfirmed(ConnectionID(3))) == [.close(ConnectionID(3))])
    }
}

@Suite struct TimerPolicyTests {
    @Test func failuresBackOffExponentiallyUpToTheCap() {
        var m = S.machine(in: .idle)
        var delays: [Duration] = []
        for _ in 0..<9 {
            _ = m.handle(.start)
            _ = m.handle(.tcpConnectionAcknowledged(S.c1))
            let actions = m.handle(.tcpConnectionClosed(S.c1))
            for case .armTimer(let t, let d) in actions where t.kind == .idleHold { delays.append(d) }
            #expect(m.state == .idle)
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
    }

    @Test func idleHoldExpiryRestarts() {
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionClosed(S.c1))
        let actions = m.handle(.timerExpired(SessionTimer(.idleHold)))
        #expect(m.state == .connect)
        #expect(actions.contains(.connect))
    }

    @Test func incomingConnectionDuringBackoffStartsAtOnce() {
        var m = S.machine(in: .openSent)
        _ = m.handle(.tcpConnectionClosed(S.c1))
        let actions = m.handle(.tcpConnectionConfirmed(S.c2))
        #expect(m.state == .openSent)
        #expect(actions.contains(.cancelTimer(SessionTimer(.idleHold))))
    }

    @Test func stopDoesNotRestart() {
        var m = S.machine(in: .established)
        _ = m.handle(.stop(communication: nil))
        #expect(m.handle(.timerExpired(SessionTimer(.idleHold))).isEmpty)
        #expect(m.handle(.tcpConnectionConfirmed(S.c2)) == [.close(S.c2)])
    }

    @Test func jitterStaysBetweenThreeQuartersAndAll() {
        var config = S.config()
        config.jitter = true
        for seed in UInt64(1)...200 {
            config.jitterSeed = seed
            var m = SessionStateMachine(configuration: config)
            for case .armTimer(let t, let d) in m.handle(.start) where t.kind == .connectRetry {
                // RFC 4271 §10: 0.75 to 1.0 of the configured value.
                #expect(d >= .milliseconds(3750) && d <= .seconds(5))
            }
        }
    }

    @Test func sameSeedSameTimers() {
        var config = S.config()
        config.jitter = true
        var a = SessionStateMachine(configuration: config)
        var b = SessionStateMachine(configuration: config)
        #expect(a.handle(.start) == b.handle(.start))
    }
}

@Suite struct CeaseTests {
    @Test func ceaseWithRestartTimer() {
        var m = S.machine(in: .established)
        let notification = NotificationMessage(code: .cease, subcode: 1, data: [0, 1, 1, 0, 0, 0, 5])
        let actions = m.handle(.cease(notification, restartAfter: .seconds(60)))
        #expect(actions.notification() == notification)
        #expect(actions.sessionDown)
        #expect(actions.contains(.armTimer(SessionTimer(.idleHold), .seconds(60))))
        #expect(m.state == .idle)
        _ = m.handle(.timerExpired(SessionTimer(.idleHold)))
        #expect(m.state == .connect)
    }

    @Test func ceaseWithoutRestart() {
        var m = S.machine(in: .established)
        let actions = m.handle(.cease(.cease(.maximumNumberOfPrefixesReached), restartAfter: nil))
        #expect(!actions.contains { if case .armTimer(let t, _) = $0 { t.kind == .idleHold } else { false } })
        #expect(m.handle(.timerExpired(SessionTimer(.idleHold))).isEmpty)
        #expect(m.state == .idle)
    }
}
