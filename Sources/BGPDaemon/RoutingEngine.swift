// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPRIB
import BGPSession
import BGPWire
import Logging
import NIOCore
import PeerletAPI

/// Joins the sessions to the RIB, in OpenBGPD's RDE role: UPDATEs from neighbours go into the `RIB` through
/// their import policy; the Loc-RIB changes that come out are exported to every Established neighbour through
/// `ExportRules` and its export policy, packed by `UpdateBuilder`. A neighbour that comes up gets the whole
/// table and End-of-RIB; a route refresh gets the table again.
///
/// Confined to the session event loop, like the controllers it drives.
final class RoutingEngine: @unchecked Sendable {
    /// A neighbour's session as the engine sees it (a class: it is read for every exported prefix, never copied).
    final class Neighbor {
        let id: PeerID
        let controller: PeerController
        /// Changed in place by a reload (policies, description, max-prefix, next hops).
        var config: NeighborConfig
        var ribPeer: RIBPeer?
        var negotiated: NegotiatedSession?
        var localAddress: IPAddress?
        /// The max-prefix warning was logged for the current session.
        var warnedAboutPrefixes = false
        /// The send buffer is full: changes only mark prefixes dirty until it drains.
        var blocked = false
        /// Prefixes changed while blocked, sent from the Loc-RIB as it is when the buffer drains.
        var pending = Set<IPPrefix>()
        /// Families the neighbour has sent End-of-RIB for in this session.
        var endOfRIB: Set<AddressFamily> = []
        /// With ADD-PATH send: the Path Identifiers that may have been advertised for a pending prefix, so that
        /// the ones no longer in the ECMP set are withdrawn when the buffer drains.
        var pendingPathIDs: [IPPrefix: Set<UInt32>] = [:]

        init(id: PeerID, controller: PeerController, config: NeighborConfig) {
            self.id = id
            self.controller = controller
            self.config = config
        }
    }

    let eventLoop: any EventLoop
    /// The running configuration (replaced by a reload).
    var config: DaemonConfig
    let logger: Logger
    var rib: RIB
    var neighbors: [PeerID: Neighbor] = [:]
    var policies: [String: CompiledPolicy] = [:]
    /// Routes announced through the API, by prefix and owner (RoutingEngine+Announcements).
    var announcements: [IPPrefix: [String: LeasedAnnouncement]] = [:]
    /// When the engine started (for uptime).
    let started = NIODeadline.now()
    /// Session and route events for the API's subscribers.
    let events = EventHub()
    /// The kernel FIB, when enabled.
    var fib: FIBService?

    /// A neighbour's import or export policy, resolved.
    enum Resolved {
        case accept
        case reject
        case originated
        case policy(CompiledPolicy)
    }

    init(config: DaemonConfig, controllers: [PeerController], eventLoop: any EventLoop, logger: Logger) {
        self.config = config
        self.eventLoop = eventLoop
        self.logger = logger
        rib = RIB(
            configuration: RIBConfiguration(
                localAS: config.localAS, routerID: config.routerID, clusterID: config.clusterID,
                decision: DecisionOptions(maximumPaths: config.maximumPaths, multipathRelax: config.multipathRelax)))
        policies = Self.compile(config.policies, logger: logger)
        for controller in controllers { add(controller) }
    }

    /// The policies, compiled.
    static func compile(_ definitions: [String: PolicyDefinition], logger: Logger) -> [String: CompiledPolicy] {
        var out: [String: CompiledPolicy] = [:]
        for (name, definition) in definitions {
            do {
                out[name] = try CompiledPolicy(definition)
            } catch {
                // The loader validated every pattern; a failure here would be a bug. Reject rather than pass.
                logger.error("policy \(name) does not compile (\(error)); it rejects everything")
            }
        }
        return out
    }

    /// Takes a neighbour's controller under the next free identifier.
    func add(_ controller: PeerController) {
        var next: UInt16 = 1
        while neighbors[PeerID(next)] != nil { next += 1 }
        let id = PeerID(next)
        neighbors[id] = Neighbor(id: id, controller: controller, config: controller.neighbor)
        controller.observer = { [unowned self] notification in self.handle(notification, from: id) }
    }

    /// Tells the RIB the time (seconds since the start) that paths arriving now are stamped with.
    func stamp() {
        rib.time = UInt32(clamping: (NIODeadline.now() - started).nanoseconds / 1_000_000_000)
    }

    /// Announces the configured networks (on the event loop, before sessions start).
    func originateNetworks() {
        eventLoop.assertInEventLoop()
        for network in config.networks {
            let attributes = RouteAttributes(
                attributes: PathAttributes(
                    origin: .igp, asPath: .empty, multiExitDiscriminator: network.med, localPreference: network.localPreference,
                    communities: network.communities, largeCommunities: network.largeCommunities))
            distribute(rib.update(from: .local, announced: [RoutePrefix(network.prefix)], attributes: attributes))
        }
        // Owned IPAM blocks are announced whether or not a workload uses them (the /32s inside are suppressed).
        let networks = Set(config.networks.map(\.prefix))
        let blocks = config.workloads.blocks.filter { !networks.contains($0) }
        if !blocks.isEmpty { updateWorkloads(originate: blocks, withdraw: []) }
    }

    /// Starts and stops announcing discovered workloads (on the event loop).
    func updateWorkloads(originate: [IPPrefix], withdraw: [IPPrefix]) {
        eventLoop.assertInEventLoop()
        stamp()
        let w = config.workloads
        let attributes = RouteAttributes(
            attributes: PathAttributes(
                origin: .igp, asPath: .empty, multiExitDiscriminator: w.med, communities: w.communities, largeCommunities: w.largeCommunities))
        distribute(rib.update(from: .local, withdrawn: withdraw.map { RoutePrefix($0) }, announced: originate.map { RoutePrefix($0) }, attributes: attributes))
    }

    // MARK: - Session events

    private func handle(_ notification: PeerNotification, from id: PeerID) {
        guard let neighbor = neighbors[id] else { return }
        stamp()
        switch notification {
        case .established(let negotiated):
            let peer = RIBPeer(
                id: id, address: neighbor.config.address, asn: negotiated.peerAS, routerID: negotiated.peerRouterID,
                isExternal: negotiated.isExternal, isRouteReflectorClient: neighbor.config.routeReflectorClient,
                allowOwnAS: neighbor.config.allowOwnAS)
            rib.setPeer(peer)
            neighbor.ribPeer = peer
            neighbor.negotiated = negotiated
            neighbor.localAddress = neighbor.controller.localAddress
            for family in negotiated.families { _ = sendTable(family: family, to: id, endOfRIB: true) }
            if events.isObserved {
                events.publish([Event(kind: "session", time: events.now, neighbor: "\(neighbor.config.address)", state: "Established")])
            }
        case .down(let reason):
            fib?.nextHopsMayHaveChanged()
            if events.isObserved {
                events.publish([Event(kind: "session", time: events.now, neighbor: "\(neighbor.config.address)", state: "down", reason: "\(reason)")])
            }
            neighbor.negotiated = nil
            neighbor.endOfRIB = []
            neighbor.warnedAboutPrefixes = false
            neighbor.blocked = false
            neighbor.pending = []
            neighbor.pendingPathIDs = [:]
            distribute(rib.peerDown(id))
        case .update(let update):
            receive(update, from: id)
        case .writability(let writable):
            guard writable else {
                neighbor.blocked = true
                return
            }
            guard neighbor.blocked else { return }
            neighbor.blocked = false
            flushPending(neighbor)
        case .routeRefresh(let refresh):
            guard refresh.subtype == .normal, neighbor.negotiated?.families.contains(refresh.family) == true else { return }
            // RFC 7313: bracket the refreshed table with BoRR/EoRR when both sides support it.
            let enhanced = neighbor.negotiated?.enhancedRouteRefresh == true
            if enhanced { neighbor.controller.send(updates: [Self.marker(refresh.family, .beginningOfRouteRefresh)]) }
            let sent = sendTable(family: refresh.family, to: id, endOfRIB: false)
            logger.info(
                "\(LogEvent.routeRefreshAnswered(refresh.family, prefixes: sent))",
                metadata: ["peer": "\(neighbor.config.address)", "asn": "\(neighbor.config.peerAS)"])
            if enhanced { neighbor.controller.send(updates: [Self.marker(refresh.family, .endOfRouteRefresh)]) }
        }
    }

    private static func marker(_ family: AddressFamily, _ subtype: RouteRefreshMessage.Subtype) -> ByteBuffer {
        BGPMessage.routeRefresh(RouteRefreshMessage(family: family, subtype: subtype)).encoded()
    }

    /// A neighbour's policy: configured, or the RFC 8212 default (nothing for eBGP, everything for iBGP).
    func resolve(_ reference: PolicyReference?, _ neighbor: Neighbor) -> Resolved {
        switch reference ?? (neighbor.ribPeer?.isExternal == false ? .acceptAll : .rejectAll) {
        case .acceptAll: .accept
        case .rejectAll: .reject
        case .originatedOnly: .originated
        case .named(let name): policies[name].map { .policy($0) } ?? .reject
        }
    }

    /// The import policy as the RIB calls it. A policy that does not look at prefixes is evaluated once per UPDATE.
    func importPolicy(_ neighbor: Neighbor) -> (IPPrefix, RouteAttributes) -> ImportResult {
        switch resolve(neighbor.config.importPolicy, neighbor) {
        case .accept: return { _, _ in .accept }
        case .reject, .originated: return { _, _ in .reject }
        case .policy(let policy):
            let localAS = config.localAS
            let address = neighbor.config.address
            var memo: ImportResult? = nil
            return { prefix, attributes in
                if let memo, !policy.dependsOnPrefix { return memo }
                let result: ImportResult
                switch policy.evaluate(attributes, context: PolicyContext(prefix: prefix, neighbor: address, localAS: localAS)) {
                case .accepted(let changed, let modified, _): result = modified ? .modify(changed) : .accept
                case .rejected: result = .reject
                }
                memo = result
                return result
            }
        }
    }

    /// True when the neighbour's export policy gives the same answer for every prefix of one attribute set.
    private func exportIsPerAttributeSet(_ neighbor: Neighbor) -> Bool {
        if case .policy(let policy) = resolve(neighbor.config.exportPolicy, neighbor) { return !policy.dependsOnPrefix }
        return true
    }

    private func receive(_ update: UpdateMessage, from id: PeerID) {
        guard let neighbor = neighbors[id] else { return }
        let policy = importPolicy(neighbor)
        var changes: [RIBChange] = []
        let withdrawn = update.withdrawnRoutes.map { RoutePrefix($0.prefix, pathID: $0.pathID ?? 0) }
            + (update.multiprotocolUnreach?.withdrawn.map { RoutePrefix($0.prefix, pathID: $0.pathID ?? 0) } ?? [])
        if !withdrawn.isEmpty { changes += rib.update(from: id, withdrawn: withdrawn) }
        if !update.nlri.isEmpty {
            let attributes = RouteAttributes(attributes: update.attributes, nextHop: update.attributes.nextHop.map { .v4($0) })
            changes += rib.update(
                from: id, announced: update.nlri.map { RoutePrefix($0.prefix, pathID: $0.pathID ?? 0) }, attributes: attributes, policy: policy)
        }
        if let reach = update.multiprotocolReach, !reach.nlri.isEmpty {
            var linkLocal: IPv6Address? = nil
            if reach.nextHops.count > 1, case .v6(let ll) = reach.nextHops[1] { linkLocal = ll }
            var attributes = update.attributes
            attributes.nextHop = nil
            let route = RouteAttributes(attributes: attributes, nextHop: reach.nextHops.first, linkLocalNextHop: linkLocal)
            changes += rib.update(
                from: id, announced: reach.nlri.map { RoutePrefix($0.prefix, pathID: $0.pathID ?? 0) }, attributes: route, policy: policy)
        }
        distribute(changes)
        enforceMaxPrefix(neighbor, family: update.multiprotocolReach?.family ?? .ipv4Unicast)
        if let family = update.endOfRIB {
            neighbor.endOfRIB.insert(family)
            checkInitialConvergence()
        }
    }

    /// RFC 4724 §2 style: the initial table is complete when every Established neighbour has sent End-of-RIB for
    /// every negotiated family. Then the FIB removes what is stale from before the start.
    private func checkInitialConvergence() {
        let established = neighbors.values.filter { $0.negotiated != nil }
        guard !established.isEmpty, established.allSatisfy({ n in Set(n.negotiated!.families).isSubset(of: n.endOfRIB) }) else { return }
        if let fib {
            logger.notice("\(LogEvent.fibConverged(reason: "End-of-RIB from every established neighbor"))")
            fib.initialConvergence()
        }
    }

    /// RFC 4486 §4: above the limit, Cease/Maximum Number of Prefixes Reached with AFI, SAFI and the limit as data;
    /// a warning once at the threshold.
    private func enforceMaxPrefix(_ neighbor: Neighbor, family: AddressFamily) {
        guard let max = neighbor.config.maxPrefix, neighbor.negotiated != nil else { return }
        let accepted = rib.acceptedPaths(from: neighbor.id)
        if accepted > max.limit {
            logger.error(
                "\(LogEvent.maxPrefixReached(accepted: accepted, limit: max.limit, restartAfter: max.restartAfter))",
                metadata: ["peer": "\(neighbor.config.address)", "asn": "\(neighbor.config.peerAS)"])
            var data: [UInt8] = [UInt8(family.afi.rawValue >> 8), UInt8(truncatingIfNeeded: family.afi.rawValue), family.safi.rawValue]
            let limit = UInt32(clamping: max.limit)
            data += [UInt8(limit >> 24), UInt8(truncatingIfNeeded: limit >> 16), UInt8(truncatingIfNeeded: limit >> 8), UInt8(truncatingIfNeeded: limit)]
            let notification = NotificationMessage(code: .cease, subcode: CeaseSubcode.maximumNumberOfPrefixesReached.rawValue, data: data)
            neighbor.controller.handle(.cease(notification, restartAfter: max.restartAfter))
        } else if !neighbor.warnedAboutPrefixes, accepted * 100 >= max.limit * max.warningPercent {
            neighbor.warnedAboutPrefixes = true
            logger.warning(
                "\(LogEvent.maxPrefixWarning(accepted: accepted, percent: max.warningPercent, limit: max.limit))",
                metadata: ["peer": "\(neighbor.config.address)", "asn": "\(neighbor.config.peerAS)"])
        }
    }

    // MARK: - Export

    /// One route of a neighbour's Adj-RIB-Out.
    struct AdvertisedRoute: Hashable {
        var prefix: IPPrefix
        var pathID: UInt32?
        var attributes: PathAttributes
        var nextHops: [IPAddress]
    }

    /// The Adj-RIB-Out towards the neighbour at `address`: what the export of the Loc-RIB gives for it now, which is
    /// what it has been sent once its backlog (if any) is drained. Computed, not stored (docs/architecture.md).
    func adjRIBOut(to address: IPAddress) -> [AdvertisedRoute] {
        guard let target = neighbors.values.first(where: { $0.config.address == address }), let negotiated = target.negotiated else { return [] }
        var routes: [AdvertisedRoute] = []
        for prefix in rib.selectedPrefixes {
            let family: AddressFamily = prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast
            guard negotiated.families.contains(family) else { continue }
            let addPath = negotiated.addPathSend.contains(family)
            let full = rib.selection(for: prefix)
            for selection in addPath ? Self.members(full) : (full.map { [$0] } ?? []) {
                guard let (attributes, hops) = export(selection, prefix: prefix, family: family, to: target) else { continue }
                routes.append(AdvertisedRoute(
                    prefix: prefix, pathID: addPath ? Self.advertisedPathID(selection.best) : nil, attributes: attributes, nextHops: hops))
            }
        }
        return routes.sorted { ($0.prefix, $0.pathID ?? 0) < ($1.prefix, $1.pathID ?? 0) }
    }

    /// What `selection` of `prefix` looks like towards `target`: the attributes and next hops to send, or `nil`
    /// when it is not exported there.
    func export(_ selection: Selection?, prefix: IPPrefix, family: AddressFamily, to target: Neighbor) -> (PathAttributes, [IPAddress])? {
        guard let selection, let targetPeer = target.ribPeer else { return nil }
        let sourceID = selection.best.peer
        let source = sourceID == .local ? nil : neighbors[sourceID]?.ribPeer
        let policy: (RouteAttributes) -> RouteAttributes?
        switch resolve(target.config.exportPolicy, target) {
        case .accept: policy = { $0 }
        case .reject: return nil
        case .originated:
            guard sourceID == .local else { return nil }
            policy = { $0 }
        case .policy(let compiled):
            let context = PolicyContext(prefix: prefix, neighbor: source?.address, localAS: config.localAS)
            policy = { route in
                if case .accepted(let changed, _, _) = compiled.evaluate(route, context: context) { return changed }
                return nil
            }
        }
        guard case .success(var route) = ExportRules.export(
            rib.attributes[selection.best.attributes], from: source, to: targetPeer, configuration: rib.configuration, policy: policy)
        else { return nil }
        if route.nextHop == nil {
            // Next hop self: our address on this session, or the configured one for the other family.
            switch (family.afi, target.localAddress) {
            case (.ipv4, .v4(let local)?): route.nextHop = .v4(local)
            case (.ipv6, .v6(let local)?): route.nextHop = .v6(local)
            case (.ipv4, _): route.nextHop = target.config.nextHopIPv4.map { .v4($0) }
            default: route.nextHop = target.config.nextHopIPv6.map { .v6($0) }
            }
            guard route.nextHop != nil else { return nil }
        }
        var attributes = route.attributes
        if family == .ipv4Unicast {
            guard case .v4(let hop)? = route.nextHop else { return nil }
            attributes.nextHop = hop
            return (attributes, [])
        }
        attributes.nextHop = nil
        var hops = route.nextHop.map { [$0] } ?? []
        if let ll = route.linkLocalNextHop, target.ribPeer?.isExternal == false { hops.append(.v6(ll)) }
        return (attributes, hops)
    }

    /// Sends the Loc-RIB changes to every Established neighbour.
    ///
    /// The export of a selection depends only on its source, its attribute set and the family, so it is computed
    /// once per distinct (source, attributes, family) in the batch and the prefixes are appended to that group:
    /// a million prefixes that share attributes cost one export and one hash lookup each.
    func distribute(_ changes: [RIBChange]) {
        guard !changes.isEmpty else { return }
        if events.isObserved {
            let now = events.now
            events.publish(changes.map { change in
                guard let best = change.new?.best else { return Event(kind: "route", time: now, prefix: "\(change.prefix)", change: "withdrawn") }
                let hops = change.new.map { $0.multipath.compactMap { rib.attributes[$0.attributes].nextHop.map { "\($0)" } } }
                return Event(kind: "route", time: now, prefix: "\(change.prefix)", change: "best", source: sourceName(best.peer), nextHops: hops)
            })
        }
        if let fib {
            // Consecutive changes usually have the same selection attributes: reuse their next-hop array.
            var last: (key: [AttributeID], hops: [IPAddress])? = nil
            fib.want(changes.map { change in
                guard let selection = change.new, selection.best.peer != .local else { return (change.prefix, []) }
                let key = [selection.best.attributes] + selection.others.map(\.attributes)
                if let last, last.key == key { return (change.prefix, last.hops) }
                let hops = forwardingNextHops(selection)
                last = (key, hops)
                return (change.prefix, hops)
            })
        }
        for target in neighbors.values {
            guard let negotiated = target.negotiated else { continue }
            if target.blocked {
                // Backpressure: a slow neighbour gets its changes later, coalesced; the others are not held up.
                for change in changes {
                    target.pending.insert(change.prefix)
                    let family: AddressFamily = change.prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast
                    if negotiated.addPathSend.contains(family) {
                        target.pendingPathIDs[change.prefix, default: []].formUnion(Self.members(change.old).map { Self.advertisedPathID($0.best) })
                    }
                }
                continue
            }
            var groups: [(key: GroupKey, nlri: [NLRI])] = []
            var groupOf: [ExportKey: Int] = [:]  // -1: not exported
            var withdraw4: [NLRI] = []
            var withdraw6: [NLRI] = []
            var last: (key: ExportKey, index: Int)? = nil  // consecutive changes usually share attributes
            let cacheable = exportIsPerAttributeSet(target)
            var groupOfAttributes: [GroupKey: Int] = [:]  // used when the policy looks at prefixes
            func group(_ selection: Selection?, _ prefix: IPPrefix, _ family: AddressFamily) -> Int {
                guard let selection else { return -1 }
                guard cacheable else {
                    guard let (attributes, hops) = export(selection, prefix: prefix, family: family, to: target) else { return -1 }
                    let key = GroupKey(family: family, attributes: attributes, nextHops: hops)
                    if let index = groupOfAttributes[key] { return index }
                    groups.append((key, []))
                    groupOfAttributes[key] = groups.count - 1
                    return groups.count - 1
                }
                let key = ExportKey(peer: selection.best.peer, attributes: selection.best.attributes, family: family)
                if let last, last.key == key { return last.index }
                if let index = groupOf[key] {
                    last = (key, index)
                    return index
                }
                var index = -1
                if let (attributes, hops) = export(selection, prefix: prefix, family: family, to: target) {
                    index = groups.count
                    groups.append((GroupKey(family: family, attributes: attributes, nextHops: hops), []))
                }
                groupOf[key] = index
                last = (key, index)
                return index
            }
            // Looked up once per batch, not per change (Set lookups hash).
            let active = (v4: negotiated.families.contains(.ipv4Unicast), v6: negotiated.families.contains(.ipv6Unicast))
            let addPath = (v4: negotiated.addPathSend.contains(.ipv4Unicast), v6: negotiated.addPathSend.contains(.ipv6Unicast))
            for change in changes {
                let isV4 = change.prefix.afi == .ipv4
                let family: AddressFamily = isV4 ? .ipv4Unicast : .ipv6Unicast
                guard isV4 ? active.v4 : active.v6 else { continue }
                if isV4 ? addPath.v4 : addPath.v6 {
                    // RFC 7911: every ECMP member under its own Path Identifier; members that left are withdrawn.
                    var sent = Set<UInt32>()
                    for member in Self.members(change.new) {
                        let index = group(member, change.prefix, family)
                        guard index >= 0 else { continue }
                        let id = Self.advertisedPathID(member.best)
                        sent.insert(id)
                        groups[index].nlri.append(NLRI(prefix: change.prefix, pathID: id))
                    }
                    for member in Self.members(change.old) where !sent.contains(Self.advertisedPathID(member.best)) {
                        if group(member, change.prefix, family) >= 0 {
                            let nlri = NLRI(prefix: change.prefix, pathID: Self.advertisedPathID(member.best))
                            if family == .ipv4Unicast { withdraw4.append(nlri) } else { withdraw6.append(nlri) }
                        }
                    }
                    continue
                }
                let index = group(change.new, change.prefix, family)
                if index >= 0 {
                    groups[index].nlri.append(NLRI(prefix: change.prefix))
                } else if group(change.old, change.prefix, family) >= 0 {
                    if family == .ipv4Unicast { withdraw4.append(NLRI(prefix: change.prefix)) } else { withdraw6.append(NLRI(prefix: change.prefix)) }
                }
            }
            send(groups: groups, withdraw: [.ipv4Unicast: withdraw4, .ipv6Unicast: withdraw6].filter { !$0.value.isEmpty }, to: target,
                 negotiated: negotiated)
        }
    }

    /// Where the kernel should forward a selection: the next hops of its learned ECMP members. A route this host
    /// originates is not installed (the kernel already knows where its own networks are).
    private func forwardingNextHops(_ selection: Selection?) -> [IPAddress] {
        guard let selection, selection.best.peer != .local else { return [] }
        return selection.multipath.compactMap { $0.peer == .local ? nil : rib.attributes[$0.attributes].nextHop }
    }

    /// The ADD-PATH Path Identifier we advertise a path under: stable while the path exists, derived from its
    /// source and the identifier it came with, so that a withdrawal names the same path.
    static func advertisedPathID(_ path: SelectedPath) -> UInt32 {
        UInt32(path.peer.rawValue) << 20 ^ (path.pathID & 0xFFFFF) &+ 1
    }

    /// The selection as seen by ADD-PATH: one single-path selection per ECMP member.
    static func members(_ selection: Selection?) -> [Selection] {
        guard let selection else { return [] }
        return selection.multipath.map { Selection(best: $0, decidedBy: selection.decidedBy) }
    }

    private struct ExportKey: Hashable {
        var peer: PeerID
        var attributes: AttributeID
        var family: AddressFamily
    }

    struct GroupKey: Hashable {
        var family: AddressFamily
        var attributes: PathAttributes
        var nextHops: [IPAddress]
    }

    func send(groups: [(key: GroupKey, nlri: [NLRI])], withdraw: [AddressFamily: [NLRI]], to target: Neighbor, negotiated: NegotiatedSession) {
        let builder = UpdateBuilder(context: negotiated.sendContext)
        var messages: [ByteBuffer] = []
        for (family, nlri) in withdraw.sorted(by: { $0.key < $1.key }) { messages += builder.withdrawals(family: family, nlri: nlri) }
        for (key, nlri) in groups where !nlri.isEmpty {
            let built = builder.announcements(family: key.family, attributes: key.attributes, nextHops: key.nextHops, nlri: nlri)
            if built.isEmpty {
                logger.warning(
                    "\(LogEvent.attributesTooLarge(key.family, prefixes: nlri.count, limit: negotiated.sendContext.maximumMessageLength))",
                    metadata: ["peer": "\(target.config.address)", "asn": "\(target.config.peerAS)"])
            }
            messages += built
        }
        target.controller.send(updates: messages)
        if !messages.isEmpty, !target.controller.isWritable { target.blocked = true }
    }

    /// How many dirty prefixes are generated at a time while draining a backlog.
    private static let drainChunk = 16_384

    /// Sends what changed while the neighbour was blocked, from the current Loc-RIB, until the buffer fills again.
    private func flushPending(_ target: Neighbor) {
        guard let negotiated = target.negotiated else { return }
        while !target.pending.isEmpty, !target.blocked {
            var chunk: [IPPrefix] = []
            chunk.reserveCapacity(Self.drainChunk)
            while chunk.count < Self.drainChunk, let prefix = target.pending.popFirst() { chunk.append(prefix) }
            var groups: [(key: GroupKey, nlri: [NLRI])] = []
            var groupOf: [GroupKey: Int] = [:]
            var withdraw: [AddressFamily: [NLRI]] = [:]
            for prefix in chunk {
                let family: AddressFamily = prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast
                guard negotiated.families.contains(family) else { continue }
                if negotiated.addPathSend.contains(family) {
                    // ADD-PATH backlog: send the current members, withdraw the identifiers that left the set.
                    let current = Self.members(rib.selection(for: prefix))
                    let kept = Set(current.map { Self.advertisedPathID($0.best) })
                    for id in (target.pendingPathIDs.removeValue(forKey: prefix) ?? []).subtracting(kept).sorted() {
                        withdraw[family, default: []].append(NLRI(prefix: prefix, pathID: id))
                    }
                    for member in current {
                        guard let (attributes, hops) = export(member, prefix: prefix, family: family, to: target) else {
                            withdraw[family, default: []].append(NLRI(prefix: prefix, pathID: Self.advertisedPathID(member.best)))
                            continue
                        }
                        let key = GroupKey(family: family, attributes: attributes, nextHops: hops)
                        let index = groupOf[key] ?? {
                            groups.append((key, []))
                            return groups.count - 1
                        }()
                        groupOf[key] = index
                        groups[index].nlri.append(NLRI(prefix: prefix, pathID: Self.advertisedPathID(member.best)))
                    }
                    continue
                }
                if let (attributes, hops) = export(rib.selection(for: prefix), prefix: prefix, family: family, to: target) {
                    let key = GroupKey(family: family, attributes: attributes, nextHops: hops)
                    let index = groupOf[key] ?? {
                        groups.append((key, []))
                        return groups.count - 1
                    }()
                    groupOf[key] = index
                    groups[index].nlri.append(NLRI(prefix: prefix))
                } else {
                    // Without a stored Adj-RIB-Out we cannot tell whether it was sent before: withdrawing a
                    // prefix the neighbour never had is harmless (RFC 4271 §9.2 receivers ignore it).
                    withdraw[family, default: []].append(NLRI(prefix: prefix))
                }
            }
            send(groups: groups, withdraw: withdraw, to: target, negotiated: negotiated)
        }
    }

    /// Sends the whole exported table of `family` to a neighbour, then End-of-RIB if asked (RFC 4724 §2).
    /// Returns the number of prefixes sent.
    func sendTable(family: AddressFamily, to id: PeerID, endOfRIB: Bool) -> Int {
        guard let target = neighbors[id], let negotiated = target.negotiated else { return 0 }
        var groups: [(key: GroupKey, nlri: [NLRI])] = []
        var groupOf: [ExportKey: Int] = [:]
        let cacheable = exportIsPerAttributeSet(target)
        var groupOfAttributes: [GroupKey: Int] = [:]
        let addPath = negotiated.addPathSend.contains(family)
        for prefix in rib.selectedPrefixes where (prefix.afi == .ipv4) == (family == .ipv4Unicast) {
            guard let full = rib.selection(for: prefix) else { continue }
            for selection in addPath ? Self.members(full) : [full] {
            let pathID = addPath ? Self.advertisedPathID(selection.best) : nil
            if !cacheable {
                guard let (attributes, hops) = export(selection, prefix: prefix, family: family, to: target) else { continue }
                let key = GroupKey(family: family, attributes: attributes, nextHops: hops)
                let index = groupOfAttributes[key] ?? {
                    groups.append((key, []))
                    return groups.count - 1
                }()
                groupOfAttributes[key] = index
                groups[index].nlri.append(NLRI(prefix: prefix, pathID: pathID))
                continue
            }
            let key = ExportKey(peer: selection.best.peer, attributes: selection.best.attributes, family: family)
            var index = groupOf[key]
            if index == nil {
                index = -1
                if let (attributes, hops) = export(selection, prefix: prefix, family: family, to: target) {
                    index = groups.count
                    groups.append((GroupKey(family: family, attributes: attributes, nextHops: hops), []))
                }
                groupOf[key] = index
            }
            if index! >= 0 { groups[index!].nlri.append(NLRI(prefix: prefix, pathID: pathID)) }
            }
        }
        send(groups: groups, withdraw: [:], to: target, negotiated: negotiated)
        if endOfRIB {
            target.controller.send(updates: [BGPMessage.update(.endOfRIB(family)).encoded(context: negotiated.sendContext)])
        }
        return groups.reduce(0) { $0 + $1.nlri.count }
    }
}
