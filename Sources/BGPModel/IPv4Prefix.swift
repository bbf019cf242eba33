// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An IPv4 prefix, canonicalised on creation: host bits beyond `length` are always zero, so two prefixes that
/// cover the same addresses are equal. Eight bytes, no heap.
public struct IPv4Prefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The network address with host bits cleared.
    public let address: IPv4Address
    /// The prefix length, 0...32.
    public let length: UInt8

    /// Creates a prefix, clearing host bits. `length` must be at most 32 (a programmer error otherwise; peer
    /// input is range-checked by the decoder before it gets here).
    public init(address: IPv4Address, length: UInt8) {
        precondition(length <= 32, "IPv4 prefix length \(length) > 32")
        self.address = IPv4Address(rawValue: address.rawValue & Self.mask(length))
        self.length = length
    }

    /// Hashes one word (the synthesized conformance feeds each field separately).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(address.rawValue) << 8 | UInt64(length))
    }

    /// Parses `a.b.c.d/len`; a bare address is a /32.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv4Address(parts[0]) else { return nil }
        var length: UInt8 = 32
        if parts.count == 2 {
            guard let l = UInt8(parts[1]), l <= 32 else { return nil }
            length = l
        }
        self.init(address: address, length: length)
    }

    /// The network mask for `length` in host order.
    @inlinable
    public static func mask(_ length: UInt8) -> UInt32 {
        length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))
    }

    /// True when `other` lies within this prefix (equal or longer).
    public func contains(_ other: IPv4Prefix) -> Bool {
        other.length >= length && other.address.rawValue & Self.mask(length) == address.rawValue
    }

    /// True when `address` lies within this prefix.
    public func contains(_ address: IPv4Address) -> Bool {
        address.rawValue & Self.mask(length) == self.address.rawValue
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.address.rawValue, lhs.length) < (rhs.address.rawValue, rhs.length)
    }
}
