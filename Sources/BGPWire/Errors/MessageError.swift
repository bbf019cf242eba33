// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A protocol error found in a received message that must end the session: it carries the exact NOTIFICATION
/// (code, subcode, data) RFC 4271 §6 prescribes, plus a human-readable reason for logs and the CLI.
///
/// Constructors are named for the RFC's error subcodes. Decoders throw this type only (typed throws), so the
/// NOTIFICATION to send falls out mechanically.
public struct MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The NOTIFICATION error code.
    public var code: NotificationCode
    /// The NOTIFICATION error subcode.
    public var subcode: UInt8
    /// The NOTIFICATION data field.
    public var data: [UInt8]
    /// What was wrong, for people.
    public var reason: String

    /// Creates an error from its parts.
    public init(code: NotificationCode, subcode: UInt8, data: [UInt8] = [], reason: String) {
        self.code = code
        self.subcode = subcode
        self.data = data
        self.reason = reason
    }

    /// The NOTIFICATION to send for this error.
    public var notification: NotificationMessage {
        NotificationMessage(code: code, subcode: subcode, data: data)
    }

    public var description: String { "\(code)/\(code.describe(subcode: subcode)): \(reason)" }

    // MARK: - Message Header Error (RFC 4271 §6.1)

    /// 1/1: the marker is not all ones.
    @inline(never)
    public static func connectionNotSynchronized() -> MessageError {
        MessageError(code: .messageHeaderError, subcode: 1, reason: "marker is not all ones")
    }

    /// 1/2: the data field is the erroneous Length field.
    @inline(never)
    public static func badMessageLength(_ length: UInt16, reason: String) -> MessageError {
        MessageError(
            code: .messageHeaderError, subcode: 2, data: [UInt8(length >> 8), UInt8(truncatingIfNeeded: length)],
            reason: reason)
    }

    /// 1/3: the data field is the erroneous Type field.
    @inline(never)
    public static func badMessageType(_ type: UInt8) -> MessageError {
        MessageError(code: .messageHeaderError, subcode: 3, data: [type], reason: "unknown message type \(type)")
    }

    // MARK: - OPEN Message Error (RFC 4271 §6.2)

    /// 2/0: a malformed OPEN that no specific subcode covers.
    @inline(never)
    public static func malformedOpen(_ reason: String) -> MessageError {
        MessageError(code: .openMessageError, subcode: 0, reason: reason)
    }

    /// 2/1: the data is the largest locally supported version, as a 2-octet unsigned integer.
    @inline(never)
    public static func unsupportedVersionNumber(received: UInt8) -> MessageError {
        MessageError(
            code: .openMessageError, subcode: 1, data: [0, 4], reason: "BGP version \(received) is not supported")
    }

    /// 2/2: the peer's AS is not the one configured.
    @inline(never)
    public static func badPeerAS(_ reason: String) -> MessageError {
        MessageError(code: .openMessageError, subcode: 2, reason: reason)
    }

    /// 2/3: the BGP Identifier is not acceptable.
    @inline(never)
    public static func badBGPIdentifier(_ reason: String) -> MessageError {
        MessageError(code: .openMessageError, subcode: 3, reason: reason)
    }

    /// 2/4: an optional parameter Peerlet does not recognise.
    @inline(never)
    public static func unsupportedOptionalParameter(_ type: UInt8) -> MessageError {
        MessageError(code: .openMessageError, subcode: 4, reason: "unsupported optional parameter type \(type)")
    }

    /// 2/6: a hold time of one or two seconds.
    @inline(never)
    public static func unacceptableHoldTime(_ seconds: UInt16) -> MessageError {
        MessageError(code: .openMessageError, subcode: 6, reason: "hold time \(seconds)s is not acceptable")
    }

    /// 2/7 (RFC 5492 §5): the data lists the required capabilities that are missing.
    @inline(never)
    public static func unsupportedCapability(data: [UInt8], reason: String) -> MessageError {
        MessageError(code: .openMessageError, subcode: 7, data: data, reason: reason)
    }

    /// 2/11 (RFC 9234 §4.2): the roles do not form an allowed pair.
    @inline(never)
    public static func roleMismatch(_ reason: String) -> MessageError {
        MessageError(code: .openMessageError, subcode: 11, reason: reason)
    }

    // MARK: - UPDATE Message Error (RFC 4271 §6.3)

    /// 3/`subcode` with the given data.
    @inline(never)
    public static func update(_ subcode: UpdateErrorSubcode, data: [UInt8] = [], reason: String) -> MessageError {
        MessageError(code: .updateMessageError, subcode: subcode.rawValue, data: data, reason: reason)
    }

    // MARK: - Others

    /// 7/1 (RFC 7313 §5): the data is the complete ROUTE-REFRESH message.
    @inline(never)
    public static func routeRefreshInvalidLength(message: [UInt8]) -> MessageError {
        MessageError(
            code: .routeRefreshMessageError, subcode: 1, data: message,
            reason: "ROUTE-REFRESH of \(message.count) octets")
    }
}

/// UPDATE Message Error subcodes (RFC 4271 §4.5).
public enum UpdateErrorSubcode: UInt8, Sendable {
    /// 1: Malformed Attribute List.
    case malformedAttributeList = 1
    /// 2: Unrecognized Well-known Attribute.
    case unrecognizedWellKnownAttribute = 2
    /// 3: Missing Well-known Attribute.
    case missingWellKnownAttribute = 3
    /// 4: Attribute Flags Error.
    case attributeFlagsError = 4
    /// 5: Attribute Length Error.
    case attributeLengthError = 5
    /// 6: Invalid ORIGIN Attribute.
    case invalidOriginAttribute = 6
    /// 8: Invalid NEXT_HOP Attribute.
    case invalidNextHopAttribute = 8
    /// 9: Optional Attribute Error.
    case optionalAttributeError = 9
    /// 10: Invalid Network Field.
    case invalidNetworkField = 10
    /// 11: Malformed AS_PATH.
    case malformedASPath = 11
}
