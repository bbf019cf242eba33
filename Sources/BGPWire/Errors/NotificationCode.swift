// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// NOTIFICATION error codes (RFC 4271 §4.5, IANA "BGP Error Codes").
public struct NotificationCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The error code octet.
    public var rawValue: UInt8
    /// Creates a code from its value.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 1: Message Header Error (§6.1).
    public static let messageHeaderError = NotificationCode(rawValue: 1)
    /// 2: OPEN Message Error (§6.2).
    public static let openMessageError = NotificationCode(rawValue: 2)
    /// 3: UPDATE Message Error (§6.3).
    public static let updateMessageError = NotificationCode(rawValue: 3)
    /// 4: Hold Timer Expired (§6.5).
    public static let holdTimerExpired = NotificationCode(rawValue: 4)
    /// 5: Finite State Machine Error (§6.6, RFC 6608 subcodes).
    public static let finiteStateMachineError = NotificationCode(rawValue: 5)
    /// 6: Cease (§6.7, RFC 4486 subcodes).
    public static let cease = NotificationCode(rawValue: 6)
    /// 7: ROUTE-REFRESH Message Error (RFC 7313 §5).
    public static let routeRefreshMessageError = NotificationCode(rawValue: 7)
    /// 8: Send Hold Timer Expired (RFC 9687).
    public static let sendHoldTimerExpired = NotificationCode(rawValue: 8)

    public var description: String {
        switch rawValue {
        case 1: "Message Header Error"
        case 2: "OPEN Message Error"
        case 3: "UPDATE Message Error"
        case 4: "Hold Timer Expired"
        case 5: "Finite State Machine Error"
        case 6: "Cease"
        case 7: "ROUTE-REFRESH Message Error"
        case 8: "Send Hold Timer Expired"
        default: "error code \(rawValue)"
        }
    }

    /// The IANA name of `subcode` under this code, or its number.
    public func describe(subcode: UInt8) -> String {
        let names: [UInt8: String]
        switch self {
        case .messageHeaderError:
            names = [1: "Connection Not Synchronized", 2: "Bad Message Length", 3: "Bad Message Type"]
        case .openMessageError:
            names = [
                1: "Unsupported Version Number", 2: "Bad Peer AS", 3: "Bad BGP Identifier",
                4: "Unsupported Optional Parameter", 6: "Unacceptable Hold Time", 7: "Unsupported Capability",
                11: "Role Mismatch",
            ]
        case .updateMessageError:
            names = [
                1: "Malformed Attribute List", 2: "Unrecognized Well-known Attribute",
                3: "Missing Well-known Attribute", 4: "Attribute Flags Error", 5: "Attribute Length Error",
                6: "Invalid ORIGIN Attribute", 8: "Invalid NEXT_HOP Attribute", 9: "Optional Attribute Error",
                10: "Invalid Network Field", 11: "Malformed AS_PATH",
            ]
        case .finiteStateMachineError:
            names = [
                1: "Receive Unexpected Message in OpenSent State",
                2: "Receive Unexpected Message in OpenConfirm State",
                3: "Receive Unexpected Message in Established State",
            ]
        case .cease:
            names = [
                1: "Maximum Number of Prefixes Reached", 2: "Administrative Shutdown", 3: "Peer De-configured",
                4: "Administrative Reset", 5: "Connection Rejected", 6: "Other Configuration Change",
                7: "Connection Collision Resolution", 8: "Out of Resources", 9: "Hard Reset",
                10: "BFD Down",
            ]
        case .routeRefreshMessageError:
            names = [1: "Invalid Message Length"]
        default:
            names = [:]
        }
        return names[subcode] ?? (subcode == 0 ? "Unspecific" : "subcode \(subcode)")
    }
}

/// Cease subcodes (RFC 4486, RFC 8538, RFC 9384).
public enum CeaseSubcode: UInt8, Sendable {
    /// 1: Maximum Number of Prefixes Reached.
    case maximumNumberOfPrefixesReached = 1
    /// 2: Administrative Shutdown (RFC 9003 communication may follow).
    case administrativeShutdown = 2
    /// 3: Peer De-configured.
    case peerDeconfigured = 3
    /// 4: Administrative Reset (RFC 9003 communication may follow).
    case administrativeReset = 4
    /// 5: Connection Rejected.
    case connectionRejected = 5
    /// 6: Other Configuration Change.
    case otherConfigurationChange = 6
    /// 7: Connection Collision Resolution.
    case connectionCollisionResolution = 7
    /// 8: Out of Resources.
    case outOfResources = 8
    /// 9: Hard Reset (RFC 8538).
    case hardReset = 9
    /// 10: BFD Down (RFC 9384).
    case bfdDown = 10
}
