// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// Workload discovery, sans I/O: fed the kernel's link and route events (dump replies and notifications alike),
/// it decides which prefixes this host originates and returns each change.
///
/// A workload is a host route (/32, /128) in the watched table, not Peerlet's own, that either has a watched
/// protocol number or leaves through an up interface whose name matches a pattern: the Calico felix (`cali*`) and
/// CNI ptp (`veth*`) layouts. A global address on an up interface matching an address pattern is one too (its /32
/// or /128): kube-proxy's service addresses on `kube-ipvs0`, ipvlan or macvlan devices in the host namespace. An
/// ipvlan link in L3 mode whose name matches a configured pattern makes that
/// pattern's subnets originated while the link exists and is up. A host route inside an owned IPAM block is
/// suppressed (the block is announced instead); one outside every block (a borrowed address) is announced.
///
/// The kernel does not notify the removal of IPv4 routes that go with a deleted or downed link, so a link event
/// re-evaluates the routes through that link and a removed link drops them.
public struct WorkloadTracker: Sendable {
    /// What the tracker watches.
    public struct Rules: Sendable {
        /// Interface-name patterns of workload links.
        public var interfaces: [InterfacePattern]
        /// Interface-name patterns whose addresses are workloads.
        public var addressInterfaces: [InterfacePattern]
        /// Route protocol numbers whose host routes are workloads (e.g. a CNI plugin's own number).
        public var protocols: Set<UInt8>
        /// The table watched (254, `main`).
        public var table: UInt32
        /// Peerlet's own protocol number: its routes are never workloads.
        public var ownProtocol: UInt8
        /// Owned IPAM blocks: host routes inside them are suppressed.
        public var ownedBlocks: [IPPrefix]
        /// Subnets announced while an ipvlan L3 link matching the pattern exists and is up.
        public var ipvlanSubnets: [(interface: InterfacePattern, subnets: [IPPrefix])]

        /// Creates rules.
        public init(
            interfaces: [InterfacePattern] = [], addressInterfaces: [InterfacePattern] = [], protocols: Set<UInt8> = [],
            table: UInt32 = 254, ownProtocol: UInt8 = 186, ownedBlocks: [IPPrefix] = [],
            ipvlanSubnets: [(interface: InterfacePattern, subnets: [IPPrefix])] = []
        ) {
            self.interfaces = interfaces
            self.addressInterfaces = addressInterfaces
            self.protocols = protocols
            self.table = table
            self.ownProtocol = ownProtocol
            self.ownedBlocks = ownedBlocks
            self.ipvlanSubnets = ipvlanSubnets
        }
    }

    /// A kernel event.
    public enum Event: Sendable {
        /// RTM_NEWLINK: a link appeared or changed.
        case link(KernelLink)
        /// RTM_DELLINK.
        case linkRemoved(index: UInt32)
        /// RTM_NEWROUTE.
        case route(KernelRoute)
        /// RTM_DELROUTE.
        case routeRemoved(KernelRoute)
        /// RTM_NEWADDR.
        case address(KernelAddress)
        /// RTM_DELADDR.
        case addressRemoved(KernelAddress)
    }

    /// A change to what this host originates.
    public enum Change: Hashable, Sendable {
        /// Start announcing the prefix.
        case originate(IPPrefix)
        /// Stop announcing it.
        case withdraw(IPPrefix)
    }

    /// Why a prefix is or is not originated (for `peerlet show`).
    public enum Status: Hashable, Sendable {
        /// Originated: a workload route through the named interface (or with the protocol number).
        case workload(interface: String?, protocolNumber: UInt8)
        /// Originated: an address on the named interface.
        case address(interface: String)
        /// Originated: the subnet of an ipvlan L3 link.
        case ipvlanSubnet(interface: String)
        /// A workload route inside an owned block: the block is announced instead.
        case suppressed(block: IPPrefix)
        /// Known to the kernel but no rule matches it.
        case notMatched
        /// No such host route in the watched table.
        case unknown
    }

    private let rules: Rules
    private var links: [UInt32: KernelLink] = [:]
    /// Host routes in the watched table, by prefix then metric.
    private var routes: [IPPrefix: [UInt32: KernelRoute]] = [:]
    /// Global addresses (as host prefixes) and the interfaces holding them.
    private var addresses: [IPPrefix: Set<UInt32>] = [:]
    /// Prefixes of the routes through each interface, and of its addresses.
    private var prefixesByLink: [UInt32: Set<IPPrefix>] = [:]
    private var ipvlanOriginated: [IPPrefix: String] = [:]
    /// What is originated now.
    public private(set) var originated: Set<IPPrefix> = []

    /// Creates a tracker that has seen nothing.
    public init(rules: Rules) {
        self.rules = rules
    }

    /// Applies one event; returns what changed.
    public mutating func handle(_ event: Event) -> [Change] {
        var affected: Set<IPPrefix> = []
        switch event {
        case .link(let link):
            links[link.index] = link
            affected.formUnion(prefixesByLink[link.index] ?? [])
            affected.formUnion(refreshIPVLAN())
        case .linkRemoved(let index):
            links[index] = nil
            for prefix in prefixesByLink[index] ?? [] {
                for route in (routes[prefix] ?? [:]).values where route.leaves(through: index) { forget(route) }
                forgetAddress(prefix, on: index)
                affected.insert(prefix)
            }
            affected.formUnion(refreshIPVLAN())
        case .route(let route):
            guard isHostRoute(route) else { return [] }
            forget(route)
            routes[route.prefix, default: [:]][route.metric] = route
            for index in route.interfaceIndices { prefixesByLink[index, default: []].insert(route.prefix) }
            affected.insert(route.prefix)
        case .routeRemoved(let route):
            guard isHostRoute(route) else { return [] }
            forget(route)
            affected.insert(route.prefix)
        case .address(let address):
            guard address.isGlobal else { return [] }
            addresses[address.hostPrefix, default: []].insert(address.interfaceIndex)
            prefixesByLink[address.interfaceIndex, default: []].insert(address.hostPrefix)
            affected.insert(address.hostPrefix)
        case .addressRemoved(let address):
            forgetAddress(address.hostPrefix, on: address.interfaceIndex)
            affected.insert(address.hostPrefix)
        }
        var changes: [Change] = []
        for prefix in affected.sorted() {
            let wanted = isOriginated(status(of: prefix))
            if wanted, originated.insert(prefix).inserted {
                changes.append(.originate(prefix))
            } else if !wanted, originated.remove(prefix) != nil {
                changes.append(.withdraw(prefix))
            }
        }
        return changes
    }

    /// Applies a batch of events; returns the net change, so a workload that comes and goes within one batch
    /// causes nothing (per-event changes would have it originated and withdrawn in one go, in the wrong order for
    /// a RIB update that applies withdrawals first).
    public mutating func handle(_ events: [Event]) -> [Change] {
        let before = originated
        for event in events { _ = handle(event) }
        return Self.difference(from: before, to: originated)
    }

    /// Starts over from a snapshot (the whole state as events); returns the net change from what was originated.
    public mutating func replace(with snapshot: [Event]) -> [Change] {
        let before = originated
        self = WorkloadTracker(rules: rules)
        for event in snapshot { _ = handle(event) }
        return Self.difference(from: before, to: originated)
    }

    private static func difference(from before: Set<IPPrefix>, to after: Set<IPPrefix>) -> [Change] {
        after.subtracting(before).sorted().map { .originate($0) } + before.subtracting(after).sorted().map { .withdraw($0) }
    }

    /// Why `prefix` is or is not originated.
    public func status(of prefix: IPPrefix) -> Status {
        if let name = ipvlanOriginated[prefix] { return .ipvlanSubnet(interface: name) }
        guard routes[prefix] != nil || addresses[prefix] != nil else { return .unknown }
        let block = rules.ownedBlocks.first { $0.contains(prefix) }
        for route in (routes[prefix] ?? [:]).values.sorted(by: { $0.metric < $1.metric }) {
            let interface = route.interfaceIndices.lazy.compactMap { links[$0] }.first { link in
                link.isUp && rules.interfaces.contains { $0.matches(link.name) }
            }
            guard interface != nil || rules.protocols.contains(route.protocolNumber) else { continue }
            if let block { return .suppressed(block: block) }
            return .workload(interface: interface?.name, protocolNumber: route.protocolNumber)
        }
        let holder = (addresses[prefix] ?? []).sorted().lazy.compactMap { links[$0] }.first { link in
            link.isUp && rules.addressInterfaces.contains { $0.matches(link.name) }
        }
        if let holder { return block.map { .suppressed(block: $0) } ?? .address(interface: holder.name) }
        return .notMatched
    }

    private func isOriginated(_ status: Status) -> Bool {
        switch status {
        case .workload, .address, .ipvlanSubnet: true
        case .suppressed, .notMatched, .unknown: false
        }
    }

    private func isHostRoute(_ route: KernelRoute) -> Bool {
        guard route.type == .unicast, route.table == rules.table, route.protocolNumber != rules.ownProtocol else { return false }
        switch route.prefix {
        case .v4(let p): return p.length == 32
        case .v6(let p): return p.length == 128
        }
    }

    /// Removes the route with `route`'s key, wherever its interfaces were.
    private mutating func forget(_ route: KernelRoute) {
        guard let old = routes[route.prefix]?.removeValue(forKey: route.metric) else { return }
        if routes[route.prefix]?.isEmpty == true { routes[route.prefix] = nil }
        let remaining = Set((routes[route.prefix] ?? [:]).values.flatMap(\.interfaceIndices)).union(addresses[route.prefix] ?? [])
        for index in old.interfaceIndices where !remaining.contains(index) {
            prefixesByLink[index]?.remove(route.prefix)
            if prefixesByLink[index]?.isEmpty == true { prefixesByLink[index] = nil }
        }
    }

    /// Removes an address (a host prefix) from an interface.
    private mutating func forgetAddress(_ prefix: IPPrefix, on index: UInt32) {
        guard addresses[prefix]?.remove(index) != nil else { return }
        if addresses[prefix]?.isEmpty == true { addresses[prefix] = nil }
        let stillThere = (routes[prefix] ?? [:]).values.contains { $0.leaves(through: index) }
        if !stillThere {
            prefixesByLink[index]?.remove(prefix)
            if prefixesByLink[index]?.isEmpty == true { prefixesByLink[index] = nil }
        }
    }

    /// Recomputes the ipvlan subnets; returns the prefixes whose ipvlan state may have changed.
    private mutating func refreshIPVLAN() -> Set<IPPrefix> {
        guard !rules.ipvlanSubnets.isEmpty else { return [] }
        var now: [IPPrefix: String] = [:]
        for link in links.values.sorted(by: { $0.index < $1.index }) where link.isUp && link.isIPVLANL3 {
            for entry in rules.ipvlanSubnets where entry.interface.matches(link.name) {
                for subnet in entry.subnets where now[subnet] == nil { now[subnet] = link.name }
            }
        }
        let touched = Set(now.keys).union(ipvlanOriginated.keys)
        ipvlanOriginated = now
        return touched
    }
}

extension KernelRoute {
    /// The interfaces the route's next hops name.
    var interfaceIndices: [UInt32] { nextHops.compactMap(\.interfaceIndex) }

    func leaves(through index: UInt32) -> Bool { nextHops.contains { $0.interfaceIndex == index } }
}
