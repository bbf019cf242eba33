// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import PeerletAPI
import PeerletCLIKit
import Testing

/// The CLI's text rendering of states a healthy testbed rarely shows (the testbed's goldens cover the rest, from
/// a live daemon: testbed/tests/goldens).
@Suite struct RenderTests {
    @Test func tablesAlignAndColourDoesNotShiftColumns() {
        var table = TextTable(["A", "Long header", "C"])
        table.append([.init("x"), .init("y", color: .green), .init("z")])
        table.append([.init("wide cell"), .init(""), .init("last")])
        #expect(table.render() == """
            A          Long header  C
            x          y            z
            wide cell               last

            """)
        let coloured = table.render(color: true)
        #expect(coloured.contains("\u{1B}[32my\u{1B}[0m" + String(repeating: " ", count: 10) + "  z"))
    }

    @Test func durations() {
        #expect([0, 59, 61, 3_600 + 5 * 60, 86_400 * 3 + 4 * 3_600].map(Render.duration) == ["0s", "59s", "1m01s", "1h05m", "3d04h"])
    }

    @Test func aNeighborWithNotificationsAndErrors() {
        let detail = NeighborDetail(
            localAddress: "10.0.0.1", routerID: "10.0.0.2", holdTime: 90, keepaliveTime: 30, capabilities: ["ipv4-unicast"],
            messagesReceived: ["open": 1], messagesSent: ["open": 1], establishedTransitions: 3,
            lastNotificationSent: NotificationInfo(code: 6, subcode: 4, name: "Cease / Administrative Reset", message: "reset by operator"),
            lastNotificationReceived: NotificationInfo(code: 2, subcode: 2, name: "OPEN Message Error / Bad Peer AS", message: nil),
            updateIssues: 2)
        let state = NeighborState(
            address: "10.0.0.2", peerAS: 65002, description: "tor-a", state: "Idle", uptimeSeconds: nil, received: 0, accepted: 0,
            advertised: 0, lastError: "NOTIFICATION received: OPEN Message Error/Bad Peer AS", detail: detail)
        let text = Render.neighbor(state)
        #expect(text.contains("  last NOTIFICATION sent:     Cease / Administrative Reset (6/4): \"reset by operator\""))
        #expect(text.contains("  last NOTIFICATION received: OPEN Message Error / Bad Peer AS (2/2)"))
        #expect(text.contains("  RFC 7606:     2 UPDATE problems handled"))
        #expect(text.hasPrefix("neighbor 10.0.0.2, AS 65002 (tor-a)\n  state:        Idle\n"))
    }

    @Test func emptyAnswers() {
        #expect(Render.routes([]) == "no routes\n")
        #expect(Render.announcements([]) == "no announcements\n")
        let fib = FIBView(table: 254, protocolNumber: 186, metric: 20, counters: [:], routes: [])
        #expect(Render.fib(fib) == "table 254, protocol 186, metric 20: 0 applied, 0 failed, 0 conflicts, 0 overruns, 0 reconciles\nno routes\n")
    }

    @Test func watchLines() {
        #expect(Render.event(Event(kind: "session", time: 12.5, neighbor: "10.0.1.1", state: "down", reason: "hold timer expired"))
            == "12.500  session 10.0.1.1 down: hold timer expired\n")
        #expect(Render.event(Event(kind: "route", time: 0.042, prefix: "10.1.0.0/24", change: "best", source: "10.0.1.1", nextHops: ["10.0.1.1", "10.0.2.1"]))
            == "0.042  route 10.1.0.0/24 best from 10.0.1.1 via 10.0.1.1, 10.0.2.1\n")
        #expect(Render.event(Event(kind: "route", time: 1, prefix: "10.1.0.0/24", change: "withdrawn", dropped: 3))
            == "1.000  (3 events dropped: reading too slowly)  route 10.1.0.0/24 withdrawn\n")
    }

    @Test func reloadReports() {
        let report = ReloadReport(
            applied: false, dryRun: true, added: ["10.0.3.1"], removed: [], reset: [NeighborChange(neighbor: "10.0.2.1", changes: ["hold-time"])],
            updated: [NeighborChange(neighbor: "10.0.1.1", changes: ["description"])], reimported: [], reexported: ["10.0.1.1"], policies: ["to-tor"],
            networksAdded: [], networksRemoved: ["10.9.0.0/24"])
        #expect(Render.reload(report) == """
            dry run, nothing applied: 1 session reset
              neighbors added (would start): 10.0.3.1
              session 10.0.2.1 would reset: hold-time
              10.0.1.1 changed in place: description
              policies changed: to-tor
              re-exported: 10.0.1.1
              networks withdrawn: 10.9.0.0/24

            """)
    }
}
