// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A validated daemon configuration: every value checked, every default filled in.
/// See docs/configuration.md for the file format.
public struct DaemonConfig: Hashable, Sendable {
    /// Our BGP Identifier.
    public var routerID: RouterID
    /// Our AS.
    public var localAS: ASN
    /// Where to accept BGP connections.
    public var listen: ListenConfig
    /// The neighbours, in file order.
    public var neighbors: [NeighborConfig]
    /// Logging.
    public var log: LogConfig
    /// Prefixes this host originates (workload routes, IPVLAN L3 subnets, IPAM blocks).
    public var networks: [NetworkConfig]
    /// The largest ECMP set installed and used (1 disables multipath).
    public var maximumPaths: Int
    /// Allow paths with different AS_PATHs of equal length in one ECMP set (dual ToRs in different ASes).
    public var multipathRelax: Bool
    /// The route-reflection cluster ID (default: the router ID).
    public var clusterID: RouterID?
    /// Named policies, referenced by neighbours' `import`/`export`.
    public var policies: [String: PolicyDefinition] = [:]
    /// Kernel FIB synchronisation.
    public var fib = FIBConfig()
    /// Workload discovery (off unless configured).
    public var workloads = WorkloadConfig()
    /// The REST API on a unix socket.
    public var api = APIConfig()
    /// Prometheus metrics over HTTP.
    public var metrics = MetricsConfig()

    /// Creates a configuration.
    public init(
        routerID: RouterID, localAS: ASN, listen: ListenConfig = ListenConfig(), neighbors: [NeighborConfig] = [],
        log: LogConfig = LogConfig(), networks: [NetworkConfig] = [], maximumPaths: Int = 8, multipathRelax: Bool = false,
        clusterID: RouterID? = nil
    ) {
        self.routerID = routerID
        self.localAS = localAS
        self.listen = listen
        self.neighbors = neighbors
        self.log = log
        self.networks = networks
        self.maximumPaths = maximumPaths
        self.multipathRelax = multipathRelax
        self.clusterID = clusterID
    }
}

/// How Loc-RIB routes are installed in the kernel.
public struct FIBConfig: Hashable, Sendable {
    /// Install routes at all.
    public var enabled: Bool = true
    /// The routing table (254 = main).
    public var table: UInt32 = 254
    /// The protocol number routes are installed with and owned by (186 = `bgp` in /etc/iproute2/rt_protos).
    public var protocolNumber: UInt8 = 186
    /// The route metric.
    public var metric: UInt32 = 20
    /// Leave the routes in the kernel when peerletd stops cleanly (for graceful restart).
    public var keepRoutesOnExit: Bool = false
    /// Install gateway routes through kernel next-hop objects (Linux 5.3+; plain routes on older kernels).
    public var nextHopObjects: Bool = true
    /// The longest wait for End-of-RIB from every neighbour before stale routes are removed after a start.
    public var staleAfter: Duration = .seconds(30)

    /// Creates the defaults.
    public init() {}
}

/// A limit on the prefixes accepted from a neighbour (RFC 4486 "Maximum Number of Prefixes Reached").
public struct MaxPrefixConfig: Hashable, Sendable {
    /// Above this many accepted prefixes the session is closed with Cease/Maximum Number of Prefixes Reached.
    public var limit: Int
    /// A warning is logged once when the count reaches this percentage of the limit.
    public var warningPercent: Int
    /// The session restarts this long after being closed for the limit; `nil`: only an operator restarts it.
    public var restartAfter: Duration?

    /// Creates a limit.
    public init(limit: Int, warningPercent: Int = 80, restartAfter: Duration? = .seconds(60)) {
        self.limit = limit
        self.warningPercent = warningPercent
        self.restartAfter = restartAfter
    }
}

/// A locally originated prefix and the attributes it is announced with.
public struct NetworkConfig: Hashable, Sendable {
    /// The prefix.
    public var prefix: IPPrefix
    /// Standard communities to attach.
    public var communities: [Community]
    /// Large communities to attach.
    public var largeCommunities: [LargeCommunity]
    /// MULTI_EXIT_DISC to send.
    public var med: UInt32?
    /// LOCAL_PREF (towards iBGP neighbours).
    public var localPreference: UInt32?

    /// Creates a network.
    public init(prefix: IPPrefix, communities: [Community] = [], largeCommunities: [LargeCommunity] = [], med: UInt32? = nil, localPreference: UInt32? = nil) {
        self.prefix = prefix
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.med = med
        self.localPreference = localPreference
    }
}

/// A neighbour's import or export policy. Named policies arrive with the policy language; until then a
/// neighbour accepts or rejects everything.
public enum PolicyReference: Hashable, Sendable, CustomStringConvertible {
    /// Everything passes.
    case acceptAll
    /// Nothing passes.
    case rejectAll
    /// Export only: the routes this speaker originates (its networks and workloads), never routes learned from
    /// a neighbour. What a container host wants towards its ToRs: it must never become transit between them.
    case originatedOnly
    /// A policy from the `policies` section.
    case named(String)

    public var description: String {
        switch self {
        case .acceptAll: "accept"
        case .rejectAll: "reject"
        case .originatedOnly: "originated"
        case .named(let name): name
        }
    }
}

/// The BGP listener.
public struct ListenConfig: Hashable, Sendable {
    /// Accept incoming connections at all.
    public var enabled: Bool
    /// The addresses to bind; by default `::` (which also accepts IPv4 on Linux) .
    public var addresses: [IPAddress]
    /// The TCP port, 179 by default.
    public var port: UInt16

    /// Creates a listener configuration.
    public init(enabled: Bool = true, addresses: [IPAddress] = [.v6(.any)], port: UInt16 = 179) {
        self.enabled = enabled
        self.addresses = addresses
        self.port = port
    }
}

/// One BGP neighbour.
public struct NeighborConfig: Hashable, Sendable {
    /// The neighbour's address: the connection's remote address, in either direction.
    public var address: IPAddress
    /// The neighbour's AS.
    public var peerAS: ASN
    /// The neighbour's TCP port for outgoing connections (179).
    public var port: UInt16
    /// Never connect; wait for the neighbour.
    public var passive: Bool
    /// The TCP MD5 signature key (RFC 2385), on both the listening and the connecting socket.
    public var password: String?
    /// The local address to connect from.
    public var sourceAddress: IPAddress?
    /// Hold time to propose, seconds (0, or 3 and more).
    public var holdTime: UInt16
    /// KEEPALIVE interval, seconds; default a third of the negotiated hold time.
    public var keepaliveTime: UInt16?
    /// Time between connection attempts.
    public var connectRetryTime: Duration
    /// RFC 4271 DelayOpen, if set.
    public var delayOpenTime: Duration?
    /// TCP_USER_TIMEOUT: how long unacknowledged data may sit before the kernel drops the connection.
    public var tcpUserTimeout: Duration?
    /// Families to negotiate.
    public var families: [AddressFamily]
    /// A free-form description for the CLI and logs.
    public var description: String?
    /// Import policy; by default eBGP rejects everything (RFC 8212) and iBGP accepts everything.
    public var importPolicy: PolicyReference?
    /// Export policy; by default eBGP rejects everything (RFC 8212) and iBGP accepts everything.
    public var exportPolicy: PolicyReference?
    /// An iBGP neighbour we reflect routes to and from (RFC 4456).
    public var routeReflectorClient: Bool
    /// Accept paths with our own AS up to this many times (allowas-in).
    public var allowOwnAS: Int
    /// The IPv4 next hop to announce for IPv4 routes when the session runs over IPv6.
    public var nextHopIPv4: IPv4Address?
    /// The IPv6 next hop to announce for IPv6 routes when the session runs over IPv4.
    public var nextHopIPv6: IPv6Address?
    /// The most prefixes accepted from this neighbour.
    public var maxPrefix: MaxPrefixConfig?
    /// ADD-PATH (RFC 7911) for every negotiated family: receive several paths per prefix, send the ECMP set, or both.
    public var addPathReceive: Bool = false
    /// See `addPathReceive`.
    public var addPathSend: Bool = false

    /// Creates a neighbour with Peerlet's defaults.
    public init(
        address: IPAddress, peerAS: ASN, port: UInt16 = 179, passive: Bool = false, password: String? = nil,
        sourceAddress: IPAddress? = nil, holdTime: UInt16 = 90, keepaliveTime: UInt16? = nil,
        connectRetryTime: Duration = .seconds(5), delayOpenTime: Duration? = nil, tcpUserTimeout: Duration? = nil,
        families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast], description: String? = nil,
        importPolicy: PolicyReference? = nil, exportPolicy: PolicyReference? = nil, routeReflectorClient: Bool = false,
        allowOwnAS: Int = 0, nextHopIPv4: IPv4Address? = nil, nextHopIPv6: IPv6Address? = nil
    ) {
        self.address = address
        self.peerAS = peerAS
        self.port = port
        self.passive = passive
        self.password = password
        self.sourceAddress = sourceAddress
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.connectRetryTime = connectRetryTime
        self.delayOpenTime = delayOpenTime
        self.tcpUserTimeout = tcpUserTimeout
        self.families = families
        self.description = description
        self.importPolicy = importPolicy
        self.exportPolicy = exportPolicy
        self.routeReflectorClient = routeReflectorClient
        self.allowOwnAS = allowOwnAS
        self.nextHopIPv4 = nextHopIPv4
        self.nextHopIPv6 = nextHopIPv6
        self.maxPrefix = nil
    }
}

/// Logging configuration.
public struct LogConfig: Hashable, Sendable {
    /// The minimum level: trace, debug, info, notice, warning, error, critical.
    public var level: String
    /// `text` or `json` lines.
    public var format: String
    /// A level per subsystem (`session`, `routing`, `fib`, `workloads`, `api`), overriding `level` for it.
    public var subsystems: [String: String] = [:]

    /// The subsystems that can have their own level.
    public static let subsystemNames = ["session", "routing", "fib", "workloads", "api"]

    /// Creates a logging configuration.
    public init(level: String = "info", format: String = "text") {
        self.level = level
        self.format = format
    }

    /// The level for `subsystem`: its own, or the general one.
    public func level(for subsystem: String) -> String { subsystems[subsystem] ?? level }
}

/// The REST/JSON API on a unix socket.
public struct APIConfig: Hashable, Sendable {
    /// Serve the API.
    public var enabled: Bool = true
    /// The socket's path.
    public var socket: String = "/run/peerlet/peerlet.sock"
    /// The socket's permission bits (0660: the owner and the group).
    public var mode: Int = 0o660
    /// The group that may use the socket; none: root's.
    public var group: String?

    /// Creates the default: `/run/peerlet/peerlet.sock`, mode 0660.
    public init() {}
}

/// Prometheus metrics over HTTP (`GET /metrics`).
public struct MetricsConfig: Hashable, Sendable {
    /// Serve them.
    public var enabled: Bool = true
    /// The address to listen on: loopback by default, so nothing leaves the host unless asked.
    public var host: String = "127.0.0.1"
    /// The TCP port.
    public var port: Int = 9179

    /// Creates the default: 127.0.0.1:9179.
    public init() {}
}
