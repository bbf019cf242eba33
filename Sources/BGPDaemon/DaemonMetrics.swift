// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import BGPWire
import CoreMetrics
import NIOCore
import Synchronization

/// The daemon's metrics through swift-metrics, brought up to date at each scrape from the state the daemon
/// keeps anyway (sessions, counters, table sizes), so the hot paths pay nothing for them. Counters are advanced
/// by the growth of the daemon's own totals since the last scrape. Labels: the neighbour's address, and small
/// fixed sets (message type, NOTIFICATION code, family, state): bounded cardinality. docs/operations.md lists
/// every series.
public final class DaemonMetrics: Sendable {
    private let speaker: BGPSpeaker
    /// The totals already added to each counter, by its label and dimensions.
    private let exported = Mutex<[String: Int64]>([:])

    /// Metrics over `speaker`.
    public init(speaker: BGPSpeaker) { self.speaker = speaker }

    /// A snapshot of one neighbour, taken on the event loop.
    private struct NeighborSample: Sendable {
        var address: String
        var state: Int
        var uptime: Int
        var received: Int
        var accepted: Int
        var advertised: Int
        var messagesReceived: [String: UInt64]
        var messagesSent: [String: UInt64]
        var notificationsReceived: [UInt8: UInt64]
        var notificationsSent: [UInt8: UInt64]
    }

    /// Brings every metric up to date (call before emitting).
    public func update() async {
        let routing = speaker.routing
        guard let (neighbors, prefixes4, prefixes6, paths, attributeSets) = try? await routing.eventLoop.submit({ () -> ([NeighborSample], Int, Int, Int, Int) in
            let states = ["Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"]
            let samples = routing.neighbors.values.map { neighbor -> NeighborSample in
                let statistics = neighbor.controller.statistics
                return NeighborSample(
                    address: "\(neighbor.config.address)", state: (states.firstIndex(of: neighbor.controller.machine.state.rawValue) ?? 0) + 1,
                    uptime: statistics.establishedSince.map { Int((NIODeadline.now() - $0).nanoseconds / 1_000_000_000) } ?? 0,
                    received: routing.rib.receivedPaths(from: neighbor.id), accepted: routing.rib.acceptedPaths(from: neighbor.id),
                    advertised: neighbor.negotiated == nil ? 0 : routing.adjRIBOut(to: neighbor.config.address).count,
                    messagesReceived: RoutingEngine.byName(statistics.received), messagesSent: RoutingEngine.byName(statistics.sent),
                    notificationsReceived: statistics.notificationsReceived, notificationsSent: statistics.notificationsSent)
            }
            let counts = routing.prefixCounts()
            return (samples, counts.ipv4, counts.ipv6, samples.reduce(0) { $0 + $1.received }, routing.rib.attributes.count)
        }).get() else { return }
        for n in neighbors {
            let who = [("neighbor", n.address)]
            Gauge(label: "peerlet_bgp_session_state", dimensions: who).record(n.state)
            Gauge(label: "peerlet_bgp_session_up", dimensions: who).record(n.state == 6 ? 1 : 0)
            Gauge(label: "peerlet_bgp_session_uptime_seconds", dimensions: who).record(n.uptime)
            Gauge(label: "peerlet_bgp_prefixes_received", dimensions: who).record(n.received)
            Gauge(label: "peerlet_bgp_prefixes_accepted", dimensions: who).record(n.accepted)
            Gauge(label: "peerlet_bgp_prefixes_advertised", dimensions: who).record(n.advertised)
            for type in ["open", "update", "notification", "keepalive", "route-refresh"] {
                advance("peerlet_bgp_messages_received_total", who + [("type", type)], to: n.messagesReceived[type] ?? 0)
                advance("peerlet_bgp_messages_sent_total", who + [("type", type)], to: n.messagesSent[type] ?? 0)
            }
            for code in UInt8(1)...8 {
                advance("peerlet_bgp_notifications_received_total", who + [("code", "\(code)")], to: n.notificationsReceived[code] ?? 0)
                advance("peerlet_bgp_notifications_sent_total", who + [("code", "\(code)")], to: n.notificationsSent[code] ?? 0)
            }
        }
        Gauge(label: "peerlet_rib_prefixes", dimensions: [("family", "ipv4")]).record(prefixes4)
        Gauge(label: "peerlet_rib_prefixes", dimensions: [("family", "ipv6")]).record(prefixes6)
        Gauge(label: "peerlet_rib_paths").record(paths)
        Gauge(label: "peerlet_rib_attribute_sets").record(attributeSets)
        if let fib = speaker.fib {
            let summary = fib.summary()
            Gauge(label: "peerlet_fib_routes", dimensions: [("state", "installed")]).record(summary.wanted - summary.failed - summary.conflicts)
            Gauge(label: "peerlet_fib_routes", dimensions: [("state", "failed")]).record(summary.failed)
            Gauge(label: "peerlet_fib_routes", dimensions: [("state", "conflict")]).record(summary.conflicts)
            let counters = fib.counterValues()
            advance("peerlet_fib_operations_total", [("result", "applied")], to: UInt64(counters.applied))
            advance("peerlet_fib_operations_total", [("result", "failed")], to: UInt64(counters.failed))
            advance("peerlet_fib_operations_total", [("result", "conflict")], to: UInt64(counters.conflicts))
            advance("peerlet_fib_overruns_total", [], to: UInt64(counters.overruns))
            advance("peerlet_fib_reconciles_total", [], to: UInt64(counters.reconciles))
        }
    }

    /// Adds to a counter what its total grew by since the last scrape.
    private func advance(_ label: String, _ dimensions: [(String, String)], to total: UInt64) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = exported.withLock { seen -> Int64 in
            let delta = Int64(total) - (seen[key] ?? 0)
            seen[key] = Int64(total)
            return delta
        }
        let counter = Counter(label: label, dimensions: dimensions)
        if delta > 0 { counter.increment(by: delta) } else if delta == 0, total == 0 { counter.increment(by: 0) }
    }
}
