// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A route as a Linux routing table holds it: what Peerlet installs and what a dump reports.
public struct KernelRoute: Hashable, Sendable, CustomStringConvertible {
    /// The destination.
    public var prefix: IPPrefix
    /// The next hops; several for an ECMP (multipath) route, none for an unreachable or blackhole route.
    public var nextHops: [KernelNextHop]
    /// The routing table (254 is `main`).
    public var table: UInt32
    /// The route's protocol number (`rtm_protocol`): who owns it. Peerlet's default is 186 (`bgp`).
    public var protocolNumber: UInt8
    /// The metric (`RTA_PRIORITY`); part of the route's identity in the kernel.
    public var metric: UInt32
    /// Unicast, unreachable or blackhole.
    public var type: KernelRouteType

    /// Creates a route; next hops are kept sorted so that equal routes compare equal.
    public init(
        prefix: IPPrefix, nextHops: [KernelNextHop], table: UInt32 = 254, protocolNumber: UInt8 = 186, metric: UInt32 = 20,
        type: KernelRouteType = .unicast
    ) {
        self.prefix = prefix
        self.nextHops = nextHops.sorted()
        self.table = table
        self.protocolNumber = protocolNumber
        self.metric = metric
        self.type = type
    }

    /// Creates a route whose `nextHops` are already sorted (shared arrays, no copy): for callers that build many
    /// routes over few next-hop sets.
    public init(
        prefix: IPPrefix, sortedNextHops: [KernelNextHop], table: UInt32, protocolNumber: UInt8, metric: UInt32,
        type: KernelRouteType = .unicast
    ) {
        self.prefix = prefix
        self.nextHops = sortedNextHops
        self.table = table
        self.protocolNumber = protocolNumber
        self.metric = metric
        self.type = type
    }

    /// True when `observed` (as a dump reports it) is this wanted route: the kernel fills in the outgoing interface
    /// it resolved for a gateway, so an interface this route leaves open matches any.
    public func isSatisfied(by observed: KernelRoute) -> Bool {
        guard key == observed.key, type == observed.type, table == observed.table, protocolNumber == observed.protocolNumber,
            nextHops.count == observed.nextHops.count
        else { return false }
        let resolved = observed.nextHops.map { hop in
            KernelNextHop(gateway: hop.gateway, interfaceIndex: hop.gateway == nil ? hop.interfaceIndex : nil, weight: hop.weight)
        }.sorted()
        let wanted = nextHops.map { hop in
            KernelNextHop(gateway: hop.gateway, interfaceIndex: hop.gateway == nil ? hop.interfaceIndex : nil, weight: hop.weight)
        }.sorted()
        let pinned = zip(nextHops, observed.nextHops).allSatisfy { want, have in
            want.interfaceIndex == nil || want.gateway == nil || want.interfaceIndex == have.interfaceIndex
        }
        return resolved == wanted && pinned
    }

    /// What the kernel identifies a route by within a table: destination and metric (TOS is always 0 here).
    public var key: RouteKey { RouteKey(prefix: prefix, metric: metric) }

    public var description: String {
        let hops = nextHops.isEmpty ? type.description : nextHops.map(\.description).joined(separator: ", ")
        return "\(prefix) \(hops) table \(table) proto \(protocolNumber) metric \(metric)"
    }
}

/// A route's identity in a table.
public struct RouteKey: Hashable, Sendable, Comparable {
    /// The destination.
    public var prefix: IPPrefix
    /// The metric.
    public var metric: UInt32

    /// Creates a key.
    public init(prefix: IPPrefix, metric: UInt32) {
        self.prefix = prefix
        self.metric = metric
    }

    public static func < (lhs: RouteKey, rhs: RouteKey) -> Bool { (lhs.prefix, lhs.metric) < (rhs.prefix, rhs.metric) }
}

/// One next hop: a gateway and/or an outgoing interface.
public struct KernelNextHop: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The gateway address, `nil` for a directly connected (device) route.
    public var gateway: IPAddress?
    /// The outgoing interface index, `nil` to let the kernel resolve it from the gateway.
    public var interfaceIndex: UInt32?
    /// The ECMP weight (1 = equal share).
    public var weight: UInt8

    /// Creates a next hop.
    public init(gateway: IPAddress?, interfaceIndex: UInt32? = nil, weight: UInt8 = 1) {
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.weight = weight
    }

    public var description: String {
        var text = gateway.map { "via \($0)" } ?? "direct"
        if let interfaceIndex { text += " dev #\(interfaceIndex)" }
        if weight != 1 { text += " weight \(weight)" }
        return text
    }

    public static func < (lhs: KernelNextHop, rhs: KernelNextHop) -> Bool {
        (lhs.gateway?.description ?? "", lhs.interfaceIndex ?? 0, lhs.weight) < (rhs.gateway?.description ?? "", rhs.interfaceIndex ?? 0, rhs.weight)
    }
}

/// The route types Peerlet uses (`rtm_type`).
public enum KernelRouteType: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// RTN_UNICAST: forwarded to the next hops.
    case unicast = 1
    /// RTN_BLACKHOLE: silently dropped.
    case blackhole = 6
    /// RTN_UNREACHABLE: dropped with ICMP unreachable (the optional covering route of an owned IPAM block).
    case unreachable = 7

    public var description: String {
        switch self {
        case .unicast: "unicast"
        case .blackhole: "blackhole"
        case .unreachable: "unreachable"
        }
    }
}
