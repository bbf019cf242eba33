// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A capability advertised in OPEN (RFC 5492). Unknown ones are kept with their raw value so they can be
/// shown to operators.
public enum Capability: Hashable, Sendable, CustomStringConvertible {
    /// Code 1, Multiprotocol Extensions (RFC 4760 §8).
    case multiprotocol(AddressFamily)
    /// Code 2, Route Refresh (RFC 2918).
    case routeRefresh
    /// Code 6, Extended Message (RFC 8654).
    case extendedMessage
    /// Code 9, BGP Role (RFC 9234).
    case role(BGPRole)
    /// Code 64, Graceful Restart (RFC 4724, N-bit of RFC 8538).
    case gracefulRestart(GracefulRestartCapability)
    /// Code 65, Support for 4-octet AS number (RFC 6793).
    case fourOctetAS(ASN)
    /// Code 69, ADD-PATH (RFC 7911).
    case addPath([AddPathEntry])
    /// Code 70, Enhanced Route Refresh (RFC 7313).
    case enhancedRouteRefresh
    /// Any other capability code, kept as received.
    case unknown(code: UInt8, value: [UInt8])

    /// The capability code (IANA "Capability Codes").
    public var code: UInt8 {
        switch self {
        case .multiprotocol: CapabilityCode.multiprotocol
        case .routeRefresh: CapabilityCode.routeRefresh
        case .extendedMessage: CapabilityCode.extendedMessage
        case .role: CapabilityCode.role
        case .gracefulRestart: CapabilityCode.gracefulRestart
        case .fourOctetAS: CapabilityCode.fourOctetAS
        case .addPath: CapabilityCode.addPath
        case .enhancedRouteRefresh: CapabilityCode.enhancedRouteRefresh
        case .unknown(let code, _): code
        }
    }

    public var description: String {
        switch self {
        case .multiprotocol(let f): "multiprotocol(\(f))"
        case .routeRefresh: "route-refresh"
        case .extendedMessage: "extended-message"
        case .role(let r): "role(\(r))"
        case .gracefulRestart(let gr): "graceful-restart(\(gr))"
        case .fourOctetAS(let asn): "4-octet-as(\(asn))"
        case .addPath(let entries): "add-path(\(entries.map(\.description).joined(separator: ",")))"
        case .enhancedRouteRefresh: "enhanced-route-refresh"
        case .unknown(let code, let value):
            "unknown(\(code)\(value.isEmpty ? "" : ":" + value.map { String($0, radix: 16) }.joined(separator: " ")))"
        }
    }
}

/// Capability codes (IANA).
public enum CapabilityCode {
    /// Multiprotocol Extensions.
    public static let multiprotocol: UInt8 = 1
    /// Route Refresh.
    public static let routeRefresh: UInt8 = 2
    /// Extended Next Hop Encoding (RFC 8950), recognised by name only.
    public static let extendedNextHop: UInt8 = 5
    /// Extended Message.
    public static let extendedMessage: UInt8 = 6
    /// BGP Role.
    public static let role: UInt8 = 9
    /// Graceful Restart.
    public static let gracefulRestart: UInt8 = 64
    /// 4-octet AS number.
    public static let fourOctetAS: UInt8 = 65
    /// ADD-PATH.
    public static let addPath: UInt8 = 69
    /// Enhanced Route Refresh.
    public static let enhancedRouteRefresh: UInt8 = 70
    /// Long-Lived Graceful Restart (RFC 9494), kept as unknown for now.
    public static let longLivedGracefulRestart: UInt8 = 71
    /// FQDN (draft-walton-bgp-hostname-capability), sent by FRR.
    public static let fqdn: UInt8 = 73
}

/// The BGP Role values (RFC 9234 §4.1).
public enum BGPRole: UInt8, Hashable, Sendable, CustomStringConvertible, CaseIterable {
    /// The sender is a transit provider to the receiver.
    case provider = 0
    /// The sender is a route server.
    case routeServer = 1
    /// The sender is a route-server client.
    case routeServerClient = 2
    /// The sender is a customer of the receiver.
    case customer = 3
    /// The sender is a lateral peer.
    case peer = 4

    /// The role the neighbour must have for `self` to be consistent (RFC 9234 §4.2 table 2).
    public var expectedPeerRole: BGPRole {
        switch self {
        case .provider: .customer
        case .customer: .provider
        case .routeServer: .routeServerClient
        case .routeServerClient: .routeServer
        case .peer: .peer
        }
    }

    /// Parses the config spelling (`provider`, `rs`, `rs-client`, `customer`, `peer`).
    public init?(name: some StringProtocol) {
        switch name {
        case "provider": self = .provider
        case "rs", "route-server": self = .routeServer
        case "rs-client", "route-server-client": self = .routeServerClient
        case "customer": self = .customer
        case "peer": self = .peer
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .provider: "provider"
        case .routeServer: "rs"
        case .routeServerClient: "rs-client"
        case .customer: "customer"
        case .peer: "peer"
        }
    }
}

/// The Graceful Restart capability value (RFC 4724 §3, RFC 8538 §2 for the N bit).
public struct GracefulRestartCapability: Hashable, Sendable, CustomStringConvertible {
    /// The Restart State (R) bit: the sender has restarted.
    public var restartState: Bool
    /// The Graceful Notification (N) bit of RFC 8538.
    public var notification: Bool
    /// The restart time in seconds (12 bits).
    public var restartTime: UInt16
    /// The families, each with its Forwarding State (F) bit.
    public var families: [Family]

    /// Creates the value.
    public init(restartState: Bool = false, notification: Bool = false, restartTime: UInt16, families: [Family]) {
        self.restartState = restartState
        self.notification = notification
        self.restartTime = restartTime & 0x0FFF
        self.families = families
    }

    /// One family entry.
    public struct Family: Hashable, Sendable {
        /// The family.
        public var family: AddressFamily
        /// The Forwarding State bit: forwarding state was preserved across the restart.
        public var forwardingState: Bool
        /// Creates an entry.
        public init(family: AddressFamily, forwardingState: Bool) {
            self.family = family
            self.forwardingState = forwardingState
        }
    }

    public var description: String {
        var flags = ""
        if restartState { flags += "R" }
        if notification { flags += "N" }
        let fams = families.map { "\($0.family)\($0.forwardingState ? "+F" : "")" }.joined(separator: ",")
        return "time=\(restartTime)\(flags.isEmpty ? "" : " flags=" + flags) \(fams)"
    }
}

/// One ADD-PATH capability entry (RFC 7911 §4).
public struct AddPathEntry: Hashable, Sendable, CustomStringConvertible {
    /// The family.
    public var family: AddressFamily
    /// Whether the sender can receive and/or send path identifiers for it.
    public var mode: AddPathMode

    /// Creates an entry.
    public init(family: AddressFamily, mode: AddPathMode) {
        self.family = family
        self.mode = mode
    }

    public var description: String { "\(family):\(mode)" }
}

/// The Send/Receive field of an ADD-PATH entry.
public struct AddPathMode: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// 1: able to receive multiple paths.
    public static let receive = AddPathMode(rawValue: 1)
    /// 2: able to send multiple paths.
    public static let send = AddPathMode(rawValue: 2)

    public var description: String {
        switch rawValue {
        case 1: "receive"
        case 2: "send"
        case 3: "send-receive"
        default: "mode-\(rawValue)"
        }
    }
}
