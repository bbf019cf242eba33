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

    /// Creates a configuration.
    public init(
        routerID: RouterID, localAS: ASN, listen: ListenConfig = ListenConfig(), neighbors: [NeighborConfig] = [],
        log: LogConfig = LogConfig()
    ) {
        self.routerID = routerID
        self.localAS = localAS
        self.listen = listen
        self.neighbors = neighbors
        self.log = log
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

    /// Creates a neighbour with Peerlet's defaults.
    public init(
        address: IPAddress, peerAS: ASN, port: UInt16 = 179, passive: Bool = false, password: String? = nil,
        sourceAddress: IPAddress? = nil, holdTime: UInt16 = 90, keepaliveTime: UInt16? = nil,
        connectRetryTime: Duration = .seconds(5), delayOpenTime: Duration? = nil, tcpUserTimeout: Duration? = nil,
        families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast], description: String? = nil
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
    }
}

/// Logging configuration.
public struct LogConfig: Hashable, Sendable {
    /// The minimum level: trace, debug, info, notice, warning, error, critical.
    public var level: String
    /// `text` or `json` lines.
    public var format: String

    /// Creates a logging configuration.
    public init(level: String = "info", format: String = "text") {
        self.level = level
        self.format = format
    }
}
