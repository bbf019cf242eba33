// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An IPv6 prefix, canonicalised on creation (host bits cleared).
public struct IPv6Prefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The network address with host bits cleared.
    public let address: IPv6Address
    /// The prefix length, 0...128.
    public let length: UInt8

    /// Creates a prefix, clearing host bits. `length` must be at most 128.
    public init(address: IPv6Address, length: UInt8) {
        precondition(length <= 128, "IPv6 prefix length \(length) > 128")
        let (mh, ml) = Self.mask(length)
        self.address = IPv6Address(high: address.high & mh, low: address.low & ml)
        self.length = length
    }

    /// Parses `addr/len`; a bare address is a /128.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv6Address(parts[0]) else { return nil }
        var length: UInt8 = 128
        if parts.count == 2 {
            guard let l = UInt8(parts[1]), l <= 128 else { return nil }
            length = l
        }
        self.init(address: address, length: length)
    }

    /// The two halves of the network mask for `length`.
    public static func mask(_ length: UInt8) -> (UInt64, UInt64) {
        switch length {
        case 0: (0, 0)
        case 1...64: (~UInt64(0) << (64 - UInt64(length)), 0)
        case 65..<128: (~UInt64(0), ~UInt64(0) << (128 - UInt64(length)))
        default: (~UInt64(0), ~UInt64(0))
        }
    }

    /// True when `other` lies within this prefix (equal or longer).
    public func contains(_ other: IPv6Prefix) -> Bool {
        guard other.length >= length else { return false }
        let (mh, ml) = Self.mask(length)
        return other.address.high & mh == address.high && other.address.low & ml == address.low
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}
