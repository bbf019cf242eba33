// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An Address Family Identifier (IANA "Address Family Numbers", RFC 4760 §3).
public struct AFI: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 2-octet IANA value.
    public var rawValue: UInt16
    /// Creates an AFI from its IANA value.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// IP version 4. (Computed, not stored: the compiler folds it; a stored static costs a lazy-init check.)
    @inlinable public static var ipv4: AFI { AFI(rawValue: 1) }
    /// IP version 6.
    @inlinable public static var ipv6: AFI { AFI(rawValue: 2) }

    public var description: String {
        switch self {
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        default: "afi-\(rawValue)"
        }
    }

    public static func < (lhs: AFI, rhs: AFI) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A Subsequent Address Family Identifier (IANA "SAFI Values", RFC 4760 §6).
public struct SAFI: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 1-octet IANA value.
    public var rawValue: UInt8
    /// Creates a SAFI from its IANA value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Unicast forwarding.
    @inlinable public static var unicast: SAFI { SAFI(rawValue: 1) }
    /// Multicast forwarding.
    @inlinable public static var multicast: SAFI { SAFI(rawValue: 2) }

    public var description: String {
        switch self {
        case .unicast: "unicast"
        case .multicast: "multicast"
        default: "safi-\(rawValue)"
        }
    }

    public static func < (lhs: SAFI, rhs: SAFI) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An (AFI, SAFI) pair: the unit that capabilities, End-of-RIB and route refresh speak about.
public struct AddressFamily: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address family.
    public var afi: AFI
    /// The subsequent address family.
    public var safi: SAFI

    /// Creates a pair.
    @inlinable public init(afi: AFI, safi: SAFI) {
        self.afi = afi
        self.safi = safi
    }

    /// IPv4 unicast, the family of RFC 4271's own NLRI fields.
    @inlinable public static var ipv4Unicast: AddressFamily { AddressFamily(afi: .ipv4, safi: .unicast) }
    /// IPv6 unicast (RFC 2545, RFC 4760).
    @inlinable public static var ipv6Unicast: AddressFamily { AddressFamily(afi: .ipv6, safi: .unicast) }

    /// Parses `ipv4-unicast` / `ipv6-unicast` (the config and CLI spelling).
    public init?(_ text: some StringProtocol) {
        switch text {
        case "ipv4-unicast", "ipv4": self = .ipv4Unicast
        case "ipv6-unicast", "ipv6": self = .ipv6Unicast
        default: return nil
        }
    }

    public var description: String { "\(afi)-\(safi)" }

    public static func < (lhs: AddressFamily, rhs: AddressFamily) -> Bool {
        (lhs.afi, lhs.safi) < (rhs.afi, rhs.safi)
    }
}
