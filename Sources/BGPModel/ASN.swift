// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An autonomous system number, always held as 4 octets (RFC 6793).
public struct ASN: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The 32-bit AS number.
    public var rawValue: UInt32

    /// Creates an ASN from its value.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public init(integerLiteral value: UInt32) { self.rawValue = value }

    /// Parses `65000`, or the RFC 5396 "asdot" form `1.10`.
    public init?(_ text: some StringProtocol) {
        if let v = UInt32(text) {
            rawValue = v
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let hi = UInt16(parts[0]), let lo = UInt16(parts[1]) else { return nil }
        rawValue = UInt32(hi) << 16 | UInt32(lo)
    }

    /// RFC 6793 §9: AS_TRANS, 23456, stands in for a 4-octet ASN in 2-octet fields.
    public static let asTrans = ASN(23456)

    /// True when the number does not fit a 2-octet field.
    public var isFourOctet: Bool { rawValue > 0xFFFF }

    /// The value to put in a 2-octet field: itself, or AS_TRANS (RFC 6793 §4.2.2).
    public var twoOctetRepresentation: UInt16 { isFourOctet ? UInt16(ASN.asTrans.rawValue) : UInt16(rawValue) }

    /// True for the private-use ranges of RFC 6996.
    public var isPrivate: Bool {
        (64512...65534).contains(rawValue) || (4_200_000_000...4_294_967_294).contains(rawValue)
    }

    public var description: String { String(rawValue) }

    public static func < (lhs: ASN, rhs: ASN) -> Bool { lhs.rawValue < rhs.rawValue }
}
