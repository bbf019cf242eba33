// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import PeerletAPI

/// The `peerlet` CLI's human output for each answer of the API (the `--json` output is the API's own). Pure:
/// golden-tested without a daemon.
public enum Render {
    /// `peerlet show status`.
    public static func status(_ s: DaemonStatus, color: Bool = false) -> String {
        var lines = [
            "peerletd \(s.version), router ID \(s.routerID), AS \(s.localAS), up \(duration(s.uptimeSeconds))",
            "neighbors: \(s.established) of \(s.neighbors) Established",
            "Loc-RIB: \(s.prefixes["ipv4"] ?? 0) IPv4 and \(s.prefixes["ipv6"] ?? 0) IPv6 prefixes, \(s.attributeSets) attribute sets, \(s.originated) originated here",
        ]
        if let fib = s.fib {
            lines.append("kernel: \(fib.wanted) routes wanted, \(fib.failed) refused, \(fib.conflicts) in conflict")
        } else {
            lines.append("kernel: FIB off")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `peerlet show neighbors`.
    public static func neighbors(_ list: [NeighborState], color: Bool = false) -> String {
        var table = TextTable(["Neighbor", "AS", "State", "Up", "Received", "Accepted", "Advertised", "Last error"])
        for n in list {
            table.append([
                .init(n.address), .init("\(n.peerAS)"), .init(n.state, color: n.state == "Established" ? .green : .yellow),
                .init(n.uptimeSeconds.map(duration) ?? "-"), .init("\(n.received)"), .init("\(n.accepted)"), .init("\(n.advertised)"),
                .init(n.lastError ?? "", color: .red),
            ])
        }
        return table.render(color: color)
    }

    /// `peerlet show neighbor ADDR`.
    public static func neighbor(_ n: NeighborState, color: Bool = false) -> String {
        var lines = ["neighbor \(n.address), AS \(n.peerAS)" + (n.description.map { " (\($0))" } ?? "")]
        let up = n.uptimeSeconds.map { " for \(duration($0))" } ?? ""
        lines.append("  state:        \(n.state)\(up)")
        if let d = n.detail {
            if let local = d.localAddress { lines.append("  local:        \(local)") }
            if let id = d.routerID { lines.append("  router ID:    \(id)") }
            if let hold = d.holdTime, let keepalive = d.keepaliveTime { lines.append("  timers:       hold \(hold) s, keepalive \(keepalive) s") }
            if !d.capabilities.isEmpty { lines.append("  capabilities: \(d.capabilities.joined(separator: ", "))") }
            lines.append("  prefixes:     \(n.received) received, \(n.accepted) accepted, \(n.advertised) advertised")
            let kinds = ["open", "update", "keepalive", "notification", "route-refresh"]
            lines.append("  messages in:  " + kinds.map { "\($0) \(d.messagesReceived[$0] ?? 0)" }.joined(separator: ", "))
            lines.append("  messages out: " + kinds.map { "\($0) \(d.messagesSent[$0] ?? 0)" }.joined(separator: ", "))
            lines.append("  established:  \(d.establishedTransitions) times")
            if d.updateIssues > 0 { lines.append("  RFC 7606:     \(d.updateIssues) UPDATE problems handled") }
            if let sent = d.lastNotificationSent { lines.append("  last NOTIFICATION sent:     \(notification(sent))") }
            if let received = d.lastNotificationReceived { lines.append("  last NOTIFICATION received: \(notification(received))") }
        }
        if let error = n.lastError { lines.append("  last error:   \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func notification(_ n: NotificationInfo) -> String {
        "\(n.name) (\(n.code)/\(n.subcode))" + (n.message.map { ": \"\($0)\"" } ?? "")
    }

    /// `peerlet show routes`.
    public static func routes(_ entries: [RouteEntry], color: Bool = false) -> String {
        var table = TextTable(["Prefix", "", "Next hop", "From", "AS path", "Origin", "LocPrf", "MED", "Communities", "Note"])
        for entry in entries {
            for (index, path) in entry.paths.enumerated() {
                let mark: TextTable.Cell =
                    switch path.status {
                    case "best": .init("*>", color: .green)
                    case "multipath": .init("*=", color: .green)
                    case "ineligible": .init("x", color: .red)
                    case "advertised": .init(">")
                    default: .init("*")
                    }
                table.append([
                    .init(index == 0 ? entry.prefix : ""), mark, .init(path.nextHops.first ?? "-"), .init(path.source),
                    .init(path.asPath.isEmpty ? "(empty)" : path.asPath), .init(originLetter(path.origin)),
                    .init(path.localPreference.map { "\($0)" } ?? ""), .init(path.med.map { "\($0)" } ?? ""),
                    .init((path.communities + path.largeCommunities).joined(separator: " ")),
                    .init(path.reason ?? "", color: path.status == "ineligible" ? .red : .dim),
                ])
            }
        }
        if entries.isEmpty { return "no routes\n" }
        return table.render(color: color) + "*> best  *= multipath  * candidate  x ineligible  > advertised\n"
    }

    static func originLetter(_ origin: String) -> String {
        switch origin {
        case "igp": "i"
        case "egp": "e"
        default: "?"
        }
    }

    /// `peerlet show fib`.
    public static func fib(_ view: FIBView, color: Bool = false) -> String {
        let counters = ["applied", "failed", "conflicts", "overruns", "reconciles"].map { "\(view.counters[$0] ?? 0) \($0)" }.joined(separator: ", ")
        var out = "table \(view.table), protocol \(view.protocolNumber), metric \(view.metric): \(counters)\n"
        guard !view.routes.isEmpty else { return out + "no routes\n" }
        var table = TextTable(["Prefix", "Next hops", "State", "Why"])
        for route in view.routes {
            let hops = route.nextHops.isEmpty ? route.type : route.nextHops.joined(separator: ", ")
            let tint: TextTable.Color = route.state == "installed" ? .green : route.state == "conflict" ? .yellow : .red
            table.append([.init(route.prefix), .init(hops), .init(route.state, color: tint), .init(route.error ?? "")])
        }
        out += table.render(color: color)
        return out
    }

    /// `peerlet explain PREFIX`.
    public static func explanation(_ e: Explanation, color: Bool = false) -> String {
        var lines = ["\(e.prefix): \(e.summary)"]
        if e.candidates.isEmpty {
            lines.append("  no candidate paths")
        }
        for (index, candidate) in e.candidates.enumerated() {
            let p = candidate.path
            lines.append("  path \(index + 1): \(candidate.origin)")
            let hop = p.nextHops.isEmpty ? "(this host)" : p.nextHops.joined(separator: ", ")
            lines.append("    next hop \(hop), AS path \(p.asPath.isEmpty ? "(empty)" : p.asPath), origin \(p.origin)"
                + (p.localPreference.map { ", local-pref \($0)" } ?? "") + (p.med.map { ", MED \($0)" } ?? ""))
            if !(p.communities + p.largeCommunities).isEmpty {
                lines.append("    communities \((p.communities + p.largeCommunities).joined(separator: " "))")
            }
            lines.append("    import:   \(candidate.importResult)")
            lines.append("    decision: \(candidate.decision)")
        }
        if !e.exports.isEmpty {
            lines.append("  export:")
            var table = TextTable(["    Neighbor", "Sent", "Why"])
            for x in e.exports {
                table.append([.init("    " + x.neighbor), .init(x.advertised ? "yes" : "no", color: x.advertised ? .green : .yellow), .init(x.reason)])
            }
            lines.append(table.render(color: color).dropLast().description)
        }
        if let fib = e.fib {
            let hops = fib.nextHops.isEmpty ? fib.type : fib.nextHops.joined(separator: ", ")
            lines.append("  kernel: \(fib.state), \(hops)" + (fib.error.map { ": \($0)" } ?? ""))
        }
        if let workload = e.workload { lines.append("  workloads: \(workload)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `peerlet show announcements`.
    public static func announcements(_ list: [Announcement], color: Bool = false) -> String {
        guard !list.isEmpty else { return "no announcements\n" }
        var table = TextTable(["Prefix", "Owner", "Lease", "Expires in", "Communities"])
        for a in list {
            table.append([
                .init(a.prefix), .init(a.owner), .init(a.leaseSeconds.map { "\($0) s" } ?? "none"),
                .init(a.expiresInSeconds.map { "\($0) s" } ?? "-"), .init(((a.communities ?? []) + (a.largeCommunities ?? [])).joined(separator: " ")),
            ])
        }
        return table.render(color: color)
    }

    /// `peerlet reload [--dry-run]`.
    public static func reload(_ r: ReloadReport, color: Bool = false) -> String {
        var lines: [String] = []
        let verb = r.dryRun ? "would" : "will"
        func list(_ title: String, _ items: [String]) { if !items.isEmpty { lines.append("  \(title): \(items.joined(separator: ", "))") } }
        list("neighbors added (\(verb) start)", r.added)
        list("neighbors removed (\(verb) get Cease/Peer De-configured)", r.removed)
        for change in r.reset { lines.append("  session \(change.neighbor) \(verb) reset: \(change.changes.joined(separator: ", "))") }
        for change in r.updated { lines.append("  \(change.neighbor) changed in place: \(change.changes.joined(separator: ", "))") }
        list("policies changed", r.policies)
        list("re-imported from the Adj-RIB-In", r.reimported)
        list("re-exported", r.reexported)
        list("networks announced", r.networksAdded)
        list("networks withdrawn", r.networksRemoved)
        guard !lines.isEmpty else { return "nothing to change\n" }
        let head = r.dryRun ? "dry run, nothing applied:" : r.applied ? "reloaded:" : "not applied:"
        let resets = r.reset.isEmpty ? "no session resets" : "\(r.reset.count) session reset\(r.reset.count == 1 ? "" : "s")"
        return ([head + " " + resets] + lines).joined(separator: "\n") + "\n"
    }

    /// One line of `peerlet watch`.
    public static func event(_ e: Event, color: Bool = false) -> String {
        var text = String(format3(e.time)) + "  "
        if let dropped = e.dropped { text += "(\(dropped) events dropped: reading too slowly)  " }
        switch e.kind {
        case "session":
            text += "session \(e.neighbor ?? "?") \(e.state ?? "?")" + (e.reason.map { ": \($0)" } ?? "")
        default:
            text += "route \(e.prefix ?? "?") \(e.change ?? "?")"
            if let source = e.source { text += " from \(source)" }
            if let hops = e.nextHops, !hops.isEmpty { text += " via \(hops.joined(separator: ", "))" }
        }
        return text + "\n"
    }

    /// Seconds with three decimals, without Foundation.
    static func format3(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let fraction = millis % 1000
        return "\(millis / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }

    /// `3d04h`, `2h05m`, `4m07s`, `12s`.
    public static func duration(_ seconds: Int) -> String {
        let (d, h, m, s) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
        if d > 0 { return "\(d)d" + pad(h) + "h" }
        if h > 0 { return "\(h)h" + pad(m) + "m" }
        if m > 0 { return "\(m)m" + pad(s) + "s" }
        return "\(s)s"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
