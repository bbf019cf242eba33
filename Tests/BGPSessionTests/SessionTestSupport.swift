// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPSession
import BGPWire

/// Builders for FSM tests.
enum S {
    static let localID = RouterID("10.0.0.1")!
    static let peerID = RouterID("10.0.0.2")!
    static let c1 = ConnectionID(1)
    static let c2 = ConnectionID(2)

    static func config(
        passive: Bool = false, delayOpen: Duration? = nil, routerID: RouterID = localID, role: BGPRole? = nil, strictRole: Bool = false
    ) -> SessionConfiguration {
        SessionConfiguration(
            localAS: 4_200_000_001, routerID: routerID, peerAS: 4_200_000_002, holdTime: 90, passive: passive, delayOpenTime: delayOpen,
            families: [.ipv4Unicast, .ipv6Unicast], role: role, strictRole: strictRole, jitter: false)
    }

    static func peerOpen(
        asn: ASN = 4_200_000_002, hold: UInt16 = 90, id: RouterID = peerID, extra: [Capability] = []
    ) -> OpenMessage {
        OpenMessage(asn: asn, holdTime: hold, bgpIdentifier: id, capabilities: [.multiprotocol(.ipv4Unicast), .routeRefresh] + extra)
    }

    static func received(_ m: BGPMessage, on c: ConnectionID = c1, issues: [AttributeIssue] = []) -> SessionEvent {
        .messageReceived(c, m, issues: issues)
    }

    static let update = UpdateMessage(
        attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [4_200_000_002]), nextHop: IPv4Address("192.0.2.2")),
        nlri: [NLRI(IPv4Prefix("10.1.0.0/16")!)])

    /// A machine driven to `state` on connection c1 (outgoing unless `incoming`).
    static func machine(
        in state: SessionStateMachine.State, config: SessionConfiguration = config(), incoming: Bool = false
    ) -> SessionStateMachine {
        var m = SessionStateMachine(configuration: config)
        if state == .idle { return m }
        _ = m.handle(.start)
        if state == .connect { return m }
        if state == .active {
            if !config.passive { _ = m.handle(.tcpConnectionAttemptFailed) }
            return m
        }
        _ = m.handle(incoming ? .tcpConnectionConfirmed(c1) : .tcpConnectionAcknowledged(c1))
        if state == .openSent { return m }
        _ = m.handle(received(.open(peerOpen())))
        if state == .openConfirm { return m }
        _ = m.handle(received(.keepalive))
        return m
    }
}

extension [SessionAction] {
    /// The messages sent, by connection.
    func sent(on connection: ConnectionID = S.c1) -> [BGPMessage] {
        compactMap { if case .send(let c, let m) = $0, c == connection { m } else { nil } }
    }

    /// The NOTIFICATION sent on a connection, if any.
    func notification(on connection: ConnectionID = S.c1) -> NotificationMessage? {
        sent(on: connection).lazy.compactMap { if case .notification(let n) = $0 { n } else { nil } }.first
    }

    func closes(_ connection: ConnectionID) -> Bool { contains(.close(connection)) }

    var sessionDown: Bool { contains { if case .sessionDown = $0 { true } else { false } } }
}
