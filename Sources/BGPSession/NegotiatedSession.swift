// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel
public import BGPWire

/// What two OPENs agreed on (RFC 4271 §4.2, RFC 5492): timers, families and the capabilities both sides have.
public struct NegotiatedSession: Hashable, Sendable {
    /// The OPEN we sent.
    public var localOpen: OpenMessage
    /// The OPEN the neighbour sent.
    public var peerOpen: OpenMessage
    /// The smaller of the two hold times (§4.2); 0 means no hold timer and no keepalives.
    public var holdTime: UInt16
    /// The KEEPALIVE interval in seconds (0 when hold time is 0).
    public var keepaliveTime: UInt16
    /// Families both sides advertised (IPv4 unicast when the neighbour advertised none, RFC 4760 §8).
    public var families: [AddressFamily]
    /// RFC 6793 on both sides.
    public var fourOctetASN: Bool
    /// RFC 2918 on both sides.
    public var routeRefresh: Bool
    /// RFC 7313 on both sides.
    public var enhancedRouteRefresh: Bool
    /// RFC 8654 on both sides.
    public var extendedMessage: Bool
    /// Families where we receive Path Identifiers (we advertised receive, the neighbour send).
    public var addPathReceive: Set<AddressFamily>
    /// Families where we send Path Identifiers (we advertised send, the neighbour receive).
    public var addPathSend: Set<AddressFamily>
    /// The neighbour's Graceful Restart capability, if it sent one.
    public var peerGracefulRestart: GracefulRestartCapability?
    /// The neighbour's BGP Role, if it sent one.
    public var peerRole: BGPRole?
    /// The neighbour's AS.
    public var peerAS: ASN
    /// The neighbour's BGP Identifier.
    public var peerRouterID: RouterID
    /// The neighbour is in another AS.
    public var isExternal: Bool

    /// The codec context for what we receive.
    public var receiveContext: CodecContext {
        CodecContext(
            fourOctetASN: fourOctetASN, addPath: addPathReceive, externalPeer: isExternal,
            maximumMessageLength: extendedMessage ? BGPHeader.extendedMaximumMessageLength : BGPHeader.maximumMessageLength)
    }

    /// The codec context for what we send.
    public var sendContext: CodecContext {
        CodecContext(
            fourOctetASN: fourOctetASN, addPath: addPathSend, externalPeer: isExternal,
            maximumMessageLength: extendedMessage ? BGPHeader.extendedMaximumMessageLength : BGPHeader.maximumMessageLength)
    }

    /// Negotiates from the two OPENs.
    public init(local: OpenMessage, peer: OpenMessage, configuration: SessionConfiguration) {
        localOpen = local
        peerOpen = peer
        holdTime = min(local.holdTime, peer.holdTime)
        if holdTime == 0 {
            keepaliveTime = 0
        } else {
            let third = max(holdTime / 3, 1)
            keepaliveTime = min(configuration.keepaliveTime ?? third, third)
        }
        let localFamilies = Set(local.capabilities.compactMap { if case .multiprotocol(let f) = $0 { f } else { nil } })
        var peerFamilies = Set(peer.capabilities.compactMap { if case .multiprotocol(let f) = $0 { f } else { nil } })
        if peerFamilies.isEmpty { peerFamilies = [.ipv4Unicast] }
        families = localFamilies.intersection(peerFamilies).sorted()
        func both(_ match: (Capability) -> Bool) -> Bool {
            local.capabilities.contains(where: match) && peer.capabilities.contains(where: match)
        }
        fourOctetASN = both { if case .fourOctetAS = $0 { true } else { false } }
        routeRefresh = both { $0 == .routeRefresh }
        enhancedRouteRefresh = both { $0 == .enhancedRouteRefresh }
        extendedMessage = both { $0 == .extendedMessage }
        func addPathModes(_ open: OpenMessage) -> [AddressFamily: AddPathMode] {
            var modes: [AddressFamily: AddPathMode] = [:]
            for case .addPath(let entries) in open.capabilities {
                for entry in entries { modes[entry.family] = entry.mode }
            }
            return modes
        }
        let localModes = addPathModes(local)
        let peerModes = addPathModes(peer)
        var receive = Set<AddressFamily>()
        var send = Set<AddressFamily>()
        for family in families {
            // RFC 7911 §4: a direction is on when one side can send and the other receive.
            if localModes[family]?.contains(.receive) == true, peerModes[family]?.contains(.send) == true {
                receive.insert(family)
            }
            if localModes[family]?.contains(.send) == true, peerModes[family]?.contains(.receive) == true {
                send.insert(family)
            }
        }
        addPathReceive = receive
        addPathSend = send
        peerGracefulRestart = peer.capabilities.lazy.compactMap { if case .gracefulRestart(let g) = $0 { g } else { nil } }.first
        peerRole = peer.capabilities.lazy.compactMap { if case .role(let r) = $0 { r } else { nil } }.first
        peerAS = peer.autonomousSystem
        peerRouterID = peer.bgpIdentifier
        isExternal = configuration.isExternal
    }
}

extension SessionConfiguration {
    /// The semantic checks of a received OPEN (RFC 4271 §6.2, RFC 6286, RFC 9234 §4.2); the syntax was
    /// checked by the decoder.
    public func validate(_ open: OpenMessage) -> MessageError? {
        // §6.2: "If the Autonomous System field of the OPEN message is unacceptable".
        if open.autonomousSystem != peerAS {
            return .badPeerAS("neighbour announced AS \(open.autonomousSystem), configured \(peerAS)")
        }
        // §6.2: "MUST reject Hold Time values of one or two seconds".
        if open.holdTime == 1 || open.holdTime == 2 { return .unacceptableHoldTime(open.holdTime) }
        // RFC 6286 §2.2: non-zero; unique within an AS for iBGP.
        if open.bgpIdentifier.rawValue == 0 { return .badBGPIdentifier("BGP Identifier 0.0.0.0") }
        if !isExternal, open.bgpIdentifier == routerID {
            return .badBGPIdentifier("internal neighbour uses our own BGP Identifier \(routerID)")
        }
        // RFC 9234 §4.2.
        if let role {
            var peerRole: BGPRole?
            var unknownRole = false
            for capability in open.capabilities {
                if case .role(let r) = capability { peerRole = r }
                if case .unknown(let code, _) = capability, code == CapabilityCode.role { unknownRole = true }
            }
            if let peerRole, peerRole != role.expectedPeerRole {
                return .roleMismatch("our role \(role) needs neighbour role \(role.expectedPeerRole), got \(peerRole)")
            }
            if unknownRole { return .roleMismatch("neighbour sent an unassigned role value") }
            if peerRole == nil, strictRole { return .roleMismatch("strict role: neighbour sent no Role capability") }
        }
        return nil
    }
}
