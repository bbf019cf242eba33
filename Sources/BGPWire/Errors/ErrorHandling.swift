// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// The RFC 7606 §2 approaches to an UPDATE error, from mildest to most severe.
public enum ErrorHandling: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// "attribute discard": the malformed attribute is dropped, the rest of the UPDATE stands.
    case attributeDiscard
    /// "treat-as-withdraw": every prefix in the UPDATE is handled as withdrawn.
    case treatAsWithdraw
    /// "AFI/SAFI disable": the family is disabled on the session (Peerlet escalates to a reset).
    case afiSafiDisable(AddressFamily)
    /// "session reset": the session is closed with the NOTIFICATION carried by the issue.
    case sessionReset

    private var severity: Int {
        switch self {
        case .attributeDiscard: 0
        case .treatAsWithdraw: 1
        case .afiSafiDisable: 2
        case .sessionReset: 3
        }
    }

    public static func < (lhs: ErrorHandling, rhs: ErrorHandling) -> Bool { lhs.severity < rhs.severity }

    public var description: String {
        switch self {
        case .attributeDiscard: "attribute-discard"
        case .treatAsWithdraw: "treat-as-withdraw"
        case .afiSafiDisable(let f): "afi-safi-disable(\(f))"
        case .sessionReset: "session-reset"
        }
    }
}

/// One problem found while decoding an UPDATE, classified by RFC 7606: the decoder reports, the session
/// decides. `error` is the NOTIFICATION that applies if the problem ends the session.
public struct AttributeIssue: Hashable, Sendable, CustomStringConvertible {
    /// The attribute type code concerned (0 when the problem is not tied to one attribute).
    public var attributeCode: UInt8
    /// How RFC 7606 says to handle it.
    public var handling: ErrorHandling
    /// The NOTIFICATION for a session reset, with a human reason.
    public var error: MessageError

    /// Creates an issue.
    public init(attributeCode: UInt8, handling: ErrorHandling, error: MessageError) {
        self.attributeCode = attributeCode
        self.handling = handling
        self.error = error
    }

    public var description: String { "attribute \(attributeCode): \(handling): \(error.reason)" }
}
