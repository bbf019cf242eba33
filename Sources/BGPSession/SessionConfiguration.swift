// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel
public import BGPWire

/// What one neighbour's session is configured to be: the inputs of OPEN and of the RFC 4271 §8 timers.
public struct SessionConfiguration: Hashable, Sendable {
    /// Our AS.
    public var localAS: ASN
    /// Our BGP Identifier.
    public var routerID: RouterID
    /// The AS the neighbour must announce (RFC 4271 §6.2 "Bad Peer AS").
    public var peerAS: ASN
    /// The Hold Time we propose (RFC 4271 §4.2); 0 disables keepalives. Default 90 s.
    public var holdTime: UInt16
    /// The KEEPALIVE interval; `nil` means one third of the negotiated hold time (§10).
    public var keepaliveTime: UInt16?
    /// The ConnectRetryTime (§10); BGP's suggested 120 s is too slow for a host, so the default is 5 s.
    public var connectRetryTime: Duration
    /// The first idle-hold delay after a failure; it doubles per consecutive failure up to `maximumIdleHoldTime`
    /// (RFC 4271 §8.1.1 DampPeerOscillations, capped exponential backoff).
    public var idleHoldTime: Duration
    /// The backoff cap.
    public var maximumIdleHoldTime: Duration
    /// Never initiate the TCP connection; wait for the neighbour (§8.1.1 PassiveTcpEstablishment).
    public var passive: Bool
    /// The DelayOpen time (§8.1.1 DelayOpen), `nil` to send OPEN as soon as TCP is up.
    public var delayOpenTime: Duration?
    /// The Send Hold Time of RFC 9687; `nil` means max(8 minutes, 2 × the negotiated hold time).
    public var sendHoldTime: Duration?
    /// Families to negotiate (RFC 4760). IPv4 unicast is implied for a neighbour that sends no MP capability.
    public var families: [AddressFamily]
    /// ADD-PATH modes to advertise (RFC 7911).
    public var addPath: [AddPathEntry]
    /// Our BGP Role (RFC 9234), if any.
    public var role: BGPRole?
    /// RFC 9234 §4.2 strict mode: a neighbour that sends no Role capability is refused.
    public var strictRole: Bool
    /// The Graceful Restart capability to advertise (RFC 4724), if any.
    public var gracefulRestart: GracefulRestartCapability?
    /// Advertise Extended Message (RFC 8654).
    public var extendedMessage: Bool
    /// Apply the RFC 4271 §10 jitter (0.75...1.0) to keepalive, connect-retry and idle-hold timers.
    public var jitter: Bool
    /// The seed of the jitter's generator (a value, so the machine stays pure and replayable).
    public var jitterSeed: UInt64

    /// Creates a configuration with Peerlet's defaults.
    public init(
        localAS: ASN, routerID: RouterID, peerAS: ASN, holdTime: UInt16 = 90, keepaliveTime: UInt16? = nil,
        connectRetryTime: Duration = .seconds(5), idleHoldTime: Duration = .seconds(1),
        maximumIdleHoldTime: Duration = .seconds(60), passive: Bool = false, delayOpenTime: Duration? = nil,
        sendHoldTime: Duration? = nil, families: [AddressFamily] = [.ipv4Unicast, .ipv6Unicast],
        addPath: [AddPathEntry] = [], role: BGPRole? = nil, strictRole: Bool = false,
        gracefulRestart: GracefulRestartCapability? = nil, extendedMessage: Bool = true, jitter: Bool = true,
        jitterSeed: UInt64 = 0x5EED
    ) {
        self.localAS = localAS
        self.routerID = routerID
        self.peerAS = peerAS
        self.holdTime = holdTime
        self.keepaliveTime = keepaliveTime
        self.connectRetryTime = connectRetryTime
        self.idleHoldTime = idleHoldTime
        self.maximumIdleHoldTime = maximumIdleHoldTime
        self.passive = passive
        self.delayOpenTime = delayOpenTime
        self.sendHoldTime = sendHoldTime
        self.families = families
        self.addPath = addPath
        self.role = role
        self.strictRole = strictRole
        self.gracefulRestart = gracefulRestart
        self.extendedMessage = extendedMessage
        self.jitter = jitter
        self.jitterSeed = jitterSeed
    }

    /// True when the neighbour is in another AS.
    public var isExternal: Bool { localAS != peerAS }

    /// The capabilities we advertise, in a stable order.
    public var capabilities: [Capability] {
        var caps: [Capability] = families.map { .multiprotocol($0) }
        caps.append(.routeRefresh)
        caps.append(.enhancedRouteRefresh)
        if extendedMessage { caps.append(.extendedMessage) }
        if let gracefulRestart { caps.append(.gracefulRestart(gracefulRestart)) }
        caps.append(.fourOctetAS(localAS))
        if !addPath.isEmpty { caps.append(.addPath(addPath)) }
        if let role { caps.append(.role(role)) }
        return caps
    }

    /// The OPEN we send.
    public var openMessage: OpenMessage {
        OpenMessage(asn: localAS, holdTime: holdTime, bgpIdentifier: routerID, capabilities: capabilities)
    }
}
