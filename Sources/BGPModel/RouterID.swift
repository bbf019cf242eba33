// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A BGP Identifier (RFC 4271 §4.2, RFC 6286): a non-zero 4-octet value, written like an IPv4 address.
public struct RouterID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The identifier as a host-order integer; it compares as an unsigned integer (RFC 6286 §2.1).
    public var rawValue: UInt32

    /// Creates an identifier from its integer value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Creates an identifier from an IPv4 address.
    public init(_ address: IPv4Address) { self.rawValue = address.rawValue }

    /// Parses dotted-quad text.
    public init?(_ text: some StringProtocol) {
        guard let a = IPv4Address(text) else { return nil }
        rawValue = a.rawValue
    }

    public var description: String { IPv4Address(rawValue: rawValue).description }

    public static func < (lhs: RouterID, rhs: RouterID) -> Bool { lhs.rawValue < rhs.rawValue }
}
