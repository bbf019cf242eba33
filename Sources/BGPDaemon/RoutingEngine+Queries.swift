// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import BGPSession
import BGPWire
import NIOCore
import PeerletAPI

/// What the API reads from the engine (on the event loop): neighbours, routes by view, resets.
extension RoutingEngine {
    /// The neighbour configured with `address`.
    func neighbor(at address: IPAddress) -> Neighbor? { neighbors.values.first { $0.config.address == address } }

    /// Every neighbour's state, by address; with detail for `detail`.
    func neighborStates(detail: IPAddress? = nil) -> [NeighborState] {
        neighbors.values.sorted { $0.config.address < $1.config.address }.map { neighbor in
            let controller = neighbor.controller
            let statistics = controller.statistics
            let uptime = statistics.establishedSince.map { Int((NIODeadline.now() - $0).nanoseconds / 1_000_000_000) }
            var state = NeighborState(
                address: "\(neighbor.config.address)", peerAS: neighbor.config.peerAS.rawValue, description: neighbor.config.description,
                state: controller.machine.state.rawValue, uptimeSeconds: uptime, received: rib.receivedPaths(from: neighbor.id),
                accepted: rib.acceptedPaths(from: neighbor.id), advertised: neighbor.negotiated == nil ? 0 : adjRIBOut(to: neighbor.config.address).count,
                lastError: statistics.lastError)
            if neighbor.config.address == detail { state.detail = self.detail(neighbor) }
            return state
        }
    }

    private func detail(_ neighbor: Neighbor) -> NeighborDetail {
        let statistics = neighbor.controller.statistics
        let negotiated = neighbor.negotiated
        var capabilities: [String] = []
        if let negotiated {
            capabilities += negotiated.families.map(Self.familyName)
            if negotiated.fourOctetASN { capabilities.append("four-octet-as") }
            if negotiated.routeRefresh { capabilities.append("route-refresh") }
            if negotiated.enhancedRouteRefresh { capabilities.append("enhanced-route-refresh") }
            if negotiated.extendedMessage { capabilities.append("extended-message") }
            capabilities += negotiated.addPathReceive.map { "add-path-receive " + Self.familyName($0) }.sorted()
            capabilities += negotiated.addPathSend.map { "add-path-send " + Self.familyName($0) }.sorted()
            if negotiated.peerGracefulRestart != nil { capabilities.append("graceful-restart") }
        }
        return NeighborDetail(
            localAddress: neighbor.localAddress.map { "\($0)" }, routerID: negotiated.map { "\($0.peerRouterID)" },
            holdTime: negotiated.map { Int($0.holdTime) }, keepaliveTime: negotiated.map { Int($0.keepaliveTime) }, capabilities: capabilities,
            messagesReceived: Self.byName(statistics.received), messagesSent: Self.byName(statistics.sent),
            establishedTransitions: statistics.establishedCount, lastNotificationSent: statistics.lastNotificationSent.map(Self.info),
            lastNotificationReceived: statistics.lastNotificationReceived.map(Self.info), updateIssues: statistics.updateIssues)
    }

    static func familyName(_ family: AddressFamily) -> String {
        switch family {
        case .ipv4Unicast: "ipv4-unicast"
        case .ipv6Unicast: "ipv6-unicast"
        default: "\(family)"
        }
    }

    /// Message counts by the names the API and the metrics use, every type present.
    static func byName(_ counts: [BGPMessageType: UInt64]) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for type in [BGPMessageType.open, .update, .notification, .keepalive, .routeRefresh] {
            out[type == .routeRefresh ? "route-refresh" : "\(type)".lowercased()] = counts[type] ?? 0
        }
        return out
    }

    static func info(_ notification: NotificationMessage) -> NotificationInfo {
        NotificationInfo(
            code: notification.code.rawValue, subcode: notification.subcode,
            name: "\(notification.code) / \(notification.code.describe(subcode: notification.subcode))",
            message: notification.shutdownCommunication)
    }

    /// Loc-RIB prefixes per family.
    func prefixCounts() -> (ipv4: Int, ipv6: Int) {
        let selected = rib.selectedPrefixes
        let v4 = selected.filter { $0.afi == .ipv4 }.count
        return (v4, selected.count - v4)
    }

    /// The routes of a view.
    func routeEntries(_ query: RouteQuery) throws(Problem) -> [RouteEntry] {
        let filter = try PrefixFilter(query)
        var source: Neighbor?
        if let text = query.neighbor {
            guard let address = IPAddress(text), let found = neighbor(at: address) else { throw .notFound("no neighbor \(text)") }
            source = found
        }
        if query.view == .advertised {
            guard let target = source else { throw .badRequest("view=advertised needs neighbor=") }
            var out: [RouteEntry] = []
            for route in adjRIBOut(to: target.config.address) where filter.matches(route.prefix) {
                if let last = out.last, last.prefix == "\(route.prefix)" {
                    out[out.count - 1].paths.append(advertisedPath(route, to: target))
                } else {
                    out.append(RouteEntry(prefix: "\(route.prefix)", paths: [advertisedPath(route, to: target)]))
                }
                if let limit = query.limit, out.count >= limit { break }
            }
            return out
        }
        if query.view != .locRIB, source == nil { throw .badRequest("view=\(query.view.rawValue) needs neighbor=") }
        let prefixes = (query.view == .locRIB ? rib.selectedPrefixes : rib.storedPrefixes).filter(filter.matches).sorted()
        var out: [RouteEntry] = []
        for prefix in prefixes {
            var paths: [PathEntry] = []
            for info in rib.paths(for: prefix) where source == nil || info.peer == source?.id {
                switch query.view {
                case .locRIB: paths.append(pathEntry(info, prefix: prefix))
                case .received: paths.append(pathEntry(info, prefix: prefix, attributes: info.received))
                case .accepted:
                    guard let accepted = info.accepted else { continue }
                    paths.append(pathEntry(info, prefix: prefix, attributes: accepted))
                case .advertised: break
                }
            }
            guard !paths.isEmpty else { continue }
            out.append(RouteEntry(prefix: "\(prefix)", paths: paths))
            if let limit = query.limit, out.count >= limit { break }
        }
        return out
    }

    /// A stored path as the API shows it (the accepted attributes unless `attributes` is given).
    func pathEntry(_ info: PathInfo, prefix: IPPrefix, attributes: RouteAttributes? = nil) -> PathEntry {
        let route = attributes ?? info.accepted ?? info.received
        let status: String
        var reason: String?
        if let why = info.ineligibility {
            status = "ineligible"
            reason = why.description
        } else if info.isBest {
            status = "best"
        } else if info.isMultipath {
            status = "multipath"
        } else {
            status = "candidate"
        }
        if status == "candidate", let selection = rib.selection(for: prefix) { reason = "lost: \(selection.decidedBy)" }
        var entry = Self.pathEntry(route, source: sourceName(info.peer), pathID: info.peer == .local || info.pathID == 0 ? nil : info.pathID, status: status)
        entry.reason = reason
        return entry
    }

    private func advertisedPath(_ route: AdvertisedRoute, to target: Neighbor) -> PathEntry {
        var attributes = RouteAttributes(attributes: route.attributes)
        attributes.nextHop = route.attributes.nextHop.map { .v4($0) } ?? route.nextHops.first
        return Self.pathEntry(attributes, source: "local", pathID: route.pathID, status: "advertised")
    }

    static func pathEntry(_ route: RouteAttributes, source: String, pathID: UInt32?, status: String) -> PathEntry {
        let a = route.attributes
        var hops = route.nextHop.map { ["\($0)"] } ?? []
        if let ll = route.linkLocalNextHop { hops.append("\(IPAddress.v6(ll))") }
        return PathEntry(
            source: source, pathID: pathID, nextHops: hops, asPath: a.asPath?.description ?? "", origin: a.origin.map { "\($0)" } ?? "incomplete",
            localPreference: a.localPreference, med: a.multiExitDiscriminator, communities: a.communities.map(\.description),
            largeCommunities: a.largeCommunities.map(\.description), status: status, reason: nil)
    }

    /// A neighbour's address, or "local".
    func sourceName(_ peer: PeerID) -> String {
        peer == .local ? "local" : neighbors[peer].map { "\($0.config.address)" } ?? "\(peer)"
    }

    /// Resets a neighbour: hard (Cease/Administrative Reset, then a new session) or soft (a route refresh asked
    /// of the neighbour for every family, and our Adj-RIB-Out sent again). Throws when there is no such
    /// neighbour, or a soft reset of a session that is not Established.
    func reset(_ address: IPAddress, soft: Bool) throws(Problem) {
        guard let neighbor = neighbor(at: address) else { throw .notFound("no neighbor \(address)") }
        logger.notice("\(LogEvent.neighborReset(address, soft: soft))")
        guard soft else {
            neighbor.controller.handle(.reset(.administrativeReset, communication: "reset by operator", restart: true))
            return
        }
        guard let negotiated = neighbor.negotiated else { throw .conflict("\(address) is not Established: a soft reset needs a session") }
        for family in negotiated.families {
            if negotiated.routeRefresh {
                neighbor.controller.send(updates: [BGPMessage.routeRefresh(RouteRefreshMessage(family: family, subtype: .normal)).encoded()])
            }
            _ = sendTable(family: family, to: neighbor.id, endOfRIB: false)
        }
    }
}

/// The prefix part of a route query: one prefix, or it and every more specific one; a family.
struct PrefixFilter {
    var prefix: IPPrefix?
    var longer: Bool
    var afi: AFI?

    init(_ query: RouteQuery) throws(Problem) {
        if let text = query.prefix {
            guard let parsed = IPPrefix.prefixOrHost(text) else {
                throw .badRequest("'\(text)' is not a prefix such as 10.0.0.0/24 or an address")
            }
            prefix = parsed
        }
        longer = query.longer
        afi = query.family.map { $0 == "ipv6" ? .ipv6 : .ipv4 }
    }

    func matches(_ candidate: IPPrefix) -> Bool {
        if let afi, candidate.afi != afi { return false }
        guard let prefix else { return true }
        return longer ? prefix.contains(candidate) : prefix == candidate
    }
}

extension IPPrefix {
    /// A prefix, or an address as its host prefix: what the API's `prefix` parameters take.
    static func prefixOrHost(_ text: String) -> IPPrefix? { IPPrefix(text) ?? IPAddress(text).map(host) }

    /// The host prefix of an address (/32, /128).
    static func host(_ address: IPAddress) -> IPPrefix {
        switch address {
        case .v4(let a): .v4(IPv4Prefix(address: a, length: 32))
        case .v6(let a): .v6(IPv6Prefix(address: a, length: 128))
        }
    }
}
