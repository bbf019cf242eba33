// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPSession
import BGPWire
import NIOCore
import Testing

/// Two machines joined by an in-memory pipe, every message through the real encoder and decoder.
@Suite struct BackToBackTests {
    struct Pair {
        var a: SessionStateMachine
        var b: SessionStateMachine
        var armed: [String: Duration] = [:]
        var inFlight: [(toA: Bool, message: BGPMessage)] = []
        var established: [String] = []
        var delivered: [UpdateMessage] = []

        mutating func run(_ actions: [SessionAction], from isA: Bool) {
            for action in actions {
                switch action {
                case .send(_, let message):
                    let context = (isA ? a : b).negotiated?.sendContext ?? CodecContext()
                    var buffer = message.encoded(context: context)
                    let frame = try! BGPFrame.read(from: &buffer, maximumMessageLength: 65535)!
                    let receiverContext = (isA ? b : a).negotiated?.receiveContext ?? CodecContext()
                    let (decoded, _) = try! BGPMessage.decode(frame, context: receiverContext)
                    inFlight.append((toA: !isA, message: decoded))
                case .armTimer(let timer, let duration):
                    armed["\(isA ? "a" : "b").\(timer)"] = duration
                case .established(_, let n):
                    established.append("\(isA ? "a" : "b") hold \(n.holdTime) families \(n.families)")
                case .deliver(let update):
                    delivered.append(update)
                default:
                    break
                }
            }
        }

        mutating func pump() {
            while !inFlight.isEmpty {
                let (toA, message) = inFlight.removeFirst()
                if toA {
                    run(a.handle(.messageReceived(ConnectionID(1), message, issues: [])), from: true)
                } else {
                    run(b.handle(.messageReceived(ConnectionID(1), message, issues: [])), from: false)
                }
            }
        }
    }

    @Test func bothSidesReachEstablishedAndExchangeUpdates() {
        let configA = SessionConfiguration(
            localAS: 4_200_000_001, routerID: RouterID("10.0.0.1")!, peerAS: 4_200_000_002, holdTime: 90,
            families: [.ipv4Unicast, .ipv6Unicast], jitter: false)
        let configB = SessionConfiguration(
            localAS: 4_200_000_002, routerID: RouterID("10.0.0.2")!, peerAS: 4_200_000_001, holdTime: 30, passive: true,
            families: [.ipv6Unicast], jitter: false)
        var p = Pair(a: SessionStateMachine(configuration: configA), b: SessionStateMachine(configuration: configB))
        p.run(p.a.handle(.start), from: true)
        p.run(p.b.handle(.start), from: false)
        #expect(p.b.state == .active)
        p.run(p.a.handle(.tcpConnectionAcknowledged(ConnectionID(1))), from: true)
        p.run(p.b.handle(.tcpConnectionConfirmed(ConnectionID(1))), from: false)
        p.pump()
        #expect(p.a.state == .established)
        #expect(p.b.state == .established)
        // The smaller hold time wins on both sides; only the common family is negotiated.
        #expect(p.established.sorted() == ["a hold 30 families [ipv6-unicast]", "b hold 30 families [ipv6-unicast]"])
        #expect(p.armed["a.keepalive#1"] == .seconds(10))

        let update = UpdateMessage(
            attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [4_200_000_001])),
            multiprotocolReach: MultiprotocolReach(family: .ipv6Unicast, nextHops: [IPAddress("2001:db8::1")!], nlri: [NLRI(IPv6Prefix("2001:db8:5::/48")!)]))
        p.inFlight.append((toA: false, message: .update(update)))
        p.pump()
        #expect(p.delivered == [update])

        // A keepalive tick on one side keeps the other's hold timer fresh.
        p.run(p.a.handle(.timerExpired(SessionTimer(.keepalive, ConnectionID(1)))), from: true)
        p.armed["b.hold#1"] = nil
        p.pump()
        #expect(p.armed["b.hold#1"] == .seconds(30))

        // Stopping one side takes both down with the shutdown communication.
        p.run(p.a.handle(.stop(communication: "upgrade")), from: true)
        p.pump()
        #expect(p.a.state == .idle)
        #expect(p.b.state == .idle)
    }
}
