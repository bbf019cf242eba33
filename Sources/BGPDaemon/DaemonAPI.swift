// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPRIB
import FIBSync
import Foundation
import Glibc
import NIOCore
public import PeerletAPI

/// The API over a running speaker: each call hops onto the session event loop (where the engine lives) or asks
/// the FIB service, and answers with the API's model types. Bad input is a `Problem` (400), an unknown neighbour
/// or announcement a 404.
public struct DaemonAPI: PeerletService {
    let speaker: BGPSpeaker
    /// The configuration file a reload reads.
    let configPath: String?

    /// Serves `speaker`; `configPath` is the file `reload` reads again.
    public init(speaker: BGPSpeaker, configPath: String? = nil) {
        self.speaker = speaker
        self.configPath = configPath
    }

    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (RoutingEngine) throws -> T) async throws -> T {
        let routing = speaker.routing
        return try await speaker.routing.eventLoop.submit { try body(routing) }.get()
    }

    public func status() async throws -> DaemonStatus {
        let fib = speaker.fib.map { fib in
            let s = fib.summary()
            return FIBSummary(wanted: s.wanted, failed: s.failed, conflicts: s.conflicts)
        }
        return try await onLoop { engine in
            let counts = engine.prefixCounts()
            let originated = engine.rib.storedPrefixes.filter { prefix in engine.rib.paths(for: prefix).contains { $0.peer == .local } }.count
            return DaemonStatus(
                version: PeerletVersion.string, routerID: "\(engine.config.routerID)", localAS: engine.config.localAS.rawValue,
                uptimeSeconds: Int((NIODeadline.now() - engine.started).nanoseconds / 1_000_000_000), neighbors: engine.neighbors.count,
                established: engine.neighbors.values.filter { $0.negotiated != nil }.count, prefixes: ["ipv4": counts.ipv4, "ipv6": counts.ipv6],
                attributeSets: engine.rib.attributes.count, originated: originated, fib: fib)
        }
    }

    public func neighbors() async throws -> [NeighborState] { try await onLoop { $0.neighborStates() } }

    public func neighbor(_ address: String) async throws -> NeighborState {
        guard let parsed = IPAddress(address) else { throw Problem.badRequest("'\(address)' is not an IP address") }
        return try await onLoop { engine in
            guard let state = engine.neighborStates(detail: parsed).first(where: { $0.address == "\(parsed)" }) else {
                throw Problem.notFound("no neighbor \(address)")
            }
            return state
        }
    }

    public func routes(_ query: RouteQuery) async throws -> [RouteEntry] {
        try await onLoop { engine in try engine.routeEntries(query) }
    }

    public func fib(prefix: String?) async throws -> FIBView {
        guard let fib = speaker.fib else { throw Problem.conflict("the kernel FIB is off (fib.enabled: false)") }
        var within: IPPrefix?
        if let prefix {
            guard let parsed = IPPrefix.prefixOrHost(prefix) else { throw Problem.badRequest("'\(prefix)' is not a prefix") }
            within = parsed
        }
        let (routes, counters) = fib.view(within: within)
        let config = speaker.config.fib
        return FIBView(
            table: config.table, protocolNumber: config.protocolNumber, metric: config.metric,
            counters: [
                "applied": counters.applied, "failed": counters.failed, "conflicts": counters.conflicts, "overruns": counters.overruns,
                "reconciles": counters.reconciles,
            ],
            routes: routes.map(Self.entry))
    }

    static func entry(_ item: (route: KernelRoute, state: FIBService.RouteState)) -> FIBEntry {
        let (route, state) = item
        let text: String
        var error: String?
        switch state {
        case .installed: text = "installed"
        case .conflict:
            text = "conflict"
            error = "a route of another protocol has the same prefix and metric: left alone, ours not installed"
        case .failed(let errno):
            text = "failed"
            error = Self.describe(errno: errno)
        }
        return FIBEntry(
            prefix: "\(route.prefix)", nextHops: route.nextHops.compactMap { $0.gateway.map { "\($0)" } }, type: route.type.description, state: text,
            error: error)
    }

    /// A kernel refusal in words, with its symbolic name.
    static func describe(errno code: Int32) -> String {
        switch code {
        case ENETUNREACH: "next hop not on a connected network (ENETUNREACH)"
        case EHOSTUNREACH: "next hop unreachable (EHOSTUNREACH)"
        case EINVAL: "the kernel rejected the route as invalid (EINVAL)"
        case EEXIST: "the route exists and cannot be replaced (EEXIST)"
        case ENODEV: "no such interface (ENODEV)"
        default: String(cString: strerror(code)) + " (errno \(code))"
        }
    }

    public func explain(_ prefix: String) async throws -> Explanation {
        guard let parsed = IPPrefix.prefixOrHost(prefix) else {
            throw Problem.badRequest("'\(prefix)' is not a prefix such as 10.0.0.0/24 or an address")
        }
        let workload = speaker.workloads.map { Self.describe($0.status(of: parsed)) }
        var explanation = try await onLoop { $0.explain(parsed, workload: workload) }
        if let fib = speaker.fib {
            explanation.fib = fib.view(within: parsed).routes.first { $0.route.prefix == parsed }.map(Self.entry)
            if let entry = explanation.fib {
                explanation.summary += "; kernel: \(entry.state)" + (entry.error.map { " (\($0))" } ?? "")
            } else if explanation.candidates.contains(where: { $0.path.status == "best" && $0.path.source != "local" }) {
                explanation.summary += "; kernel: not wanted"
            }
        }
        return explanation
    }

    static func describe(_ status: WorkloadTracker.Status) -> String {
        switch status {
        case .workload(let interface?, _): "a workload route on \(interface): originated"
        case .workload(nil, let number): "a host route with protocol \(number): originated"
        case .address(let interface): "an address on \(interface): originated"
        case .ipvlanSubnet(let interface): "the subnet of ipvlan L3 link \(interface): originated"
        case .suppressed(let block): "a workload inside owned block \(block): the block is announced instead"
        case .notMatched: "a host route in the kernel that no workload rule matches"
        case .unknown: "not in the kernel's watched table"
        }
    }

    public func announcements() async throws -> [Announcement] {
        try await onLoop { engine in
            engine.announcements.sorted { $0.key < $1.key }.flatMap { prefix, owners in
                owners.values.sorted { $0.owner < $1.owner }.map { entry in
                    Self.model(prefix, entry)
                }
            }
        }
    }

    static func model(_ prefix: IPPrefix, _ entry: LeasedAnnouncement) -> Announcement {
        let a = entry.attributes.attributes
        return Announcement(
            prefix: "\(prefix)", owner: entry.owner, leaseSeconds: entry.lease.map { Int($0.nanoseconds / 1_000_000_000) },
            expiresInSeconds: entry.expires.map { max(0, Int((($0 - .now()).nanoseconds + 999_999_999) / 1_000_000_000)) },
            communities: a.communities.map(\.description), largeCommunities: a.largeCommunities.map(\.description), med: a.multiExitDiscriminator)
    }

    public func announce(_ request: Announcement) async throws -> Announcement {
        guard let prefix = IPPrefix.prefixOrHost(request.prefix) else {
            throw Problem.badRequest("'\(request.prefix)' is not a prefix such as 10.0.0.0/24 or an address")
        }
        if "\(prefix)" != request.prefix, IPAddress(request.prefix) == nil {
            throw Problem.badRequest("'\(request.prefix)' has host bits set; did you mean \(prefix)?")
        }
        let owner = request.owner
        guard (1...64).contains(owner.utf8.count), owner.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Problem.badRequest("owner is 1 to 64 printable characters without spaces")
        }
        if let lease = request.leaseSeconds, !(1...86_400).contains(lease) { throw Problem.badRequest("leaseSeconds is 1 to 86400") }
        var communities: [Community] = []
        for text in request.communities ?? [] {
            guard let community = Community(text) else { throw Problem.badRequest("'\(text)' is not a community such as 65000:42 or no-export") }
            communities.append(community)
        }
        var large: [LargeCommunity] = []
        for text in request.largeCommunities ?? [] {
            guard let community = LargeCommunity(text) else { throw Problem.badRequest("'\(text)' is not a large community such as 65000:1:2") }
            large.append(community)
        }
        let attributes = RouteAttributes(
            attributes: PathAttributes(origin: .igp, asPath: .empty, multiExitDiscriminator: request.med, communities: communities, largeCommunities: large))
        let lease = request.leaseSeconds.map { TimeAmount.seconds(Int64($0)) }
        return try await onLoop { engine in
            engine.announce(prefix, owner: owner, attributes: attributes, lease: lease)
            engine.logger.notice("\(LogEvent.announced(prefix, owner: owner, lease: lease))")
            return Self.model(prefix, engine.announcements[prefix]![owner]!)
        }
    }

    public func withdraw(prefix: String, owner: String) async throws {
        guard let parsed = IPPrefix.prefixOrHost(prefix) else { throw Problem.badRequest("'\(prefix)' is not a prefix") }
        try await onLoop { engine in
            guard engine.withdrawAnnouncement(parsed, owner: owner) else {
                throw Problem.notFound("\(owner) has no announcement of \(parsed)")
            }
            engine.logger.notice("\(LogEvent.announcementWithdrawn(parsed, owner: owner))")
        }
    }

    public func reset(neighbor address: String, soft: Bool) async throws {
        guard let parsed = IPAddress(address) else { throw Problem.badRequest("'\(address)' is not an IP address") }
        try await onLoop { engine in try engine.reset(parsed, soft: soft) }
    }

    public func reload(dryRun: Bool) async throws -> ReloadReport {
        guard let configPath else { throw Problem.conflict("peerletd was started without a configuration file to reload") }
        let report = try await Self.reload(speaker, from: configPath, dryRun: dryRun)
        return report
    }

    /// Reads `path` and reloads `speaker` from it: the SIGHUP handler and `POST /v1/reload` both come here. A file
    /// with errors, or one that changes what only a restart can, is a 422 problem and the running configuration
    /// stays.
    public static func reload(_ speaker: BGPSpeaker, from path: String, dryRun: Bool) async throws -> ReloadReport {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem.unprocessable("cannot read \(path): \(error)")
        }
        let new: DaemonConfig
        do {
            new = try ConfigLoader.load(text, file: path, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Problem.unprocessable(error.description)
        }
        do {
            let diff = try await speaker.reload(to: new, dryRun: dryRun)
            return ReloadReport(
                applied: !dryRun && !diff.isEmpty, dryRun: dryRun, added: diff.added.map(\.description), removed: diff.removed.map(\.description),
                reset: diff.reset.sorted { $0.key < $1.key }.map { NeighborChange(neighbor: "\($0.key)", changes: $0.value) },
                updated: diff.updated.sorted { $0.key < $1.key }.map { NeighborChange(neighbor: "\($0.key)", changes: $0.value) },
                reimported: diff.reimport.map(\.description), reexported: diff.reexport.map(\.description), policies: diff.policies,
                networksAdded: diff.networksAdded.map(\.description), networksRemoved: diff.networksRemoved.map(\.description))
        } catch let refused as ReloadRefused {
            throw Problem.unprocessable(refused.description)
        }
    }

    public func events() -> AsyncStream<Event> { speaker.routing.events.subscribe() }
}
