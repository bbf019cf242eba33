// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A standard community (RFC 1997): 4 octets, written `ASN:value`.
public struct Community: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 32-bit value.
    public var rawValue: UInt32

    /// Creates a community from its 32-bit value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Creates `high:low`.
    public init(_ high: UInt16, _ low: UInt16) { rawValue = UInt32(high) << 16 | UInt32(low) }

    /// Parses `65000:100` or a well-known name (`no-export`, `no-advertise`, `no-export-subconfed`, `no-peer`,
    /// `llgr-stale`, `no-llgr`, `blackhole`).
    public init?(_ text: some StringProtocol) {
        if let known = Self.wellKnownNames.first(where: { $0.1 == text }) {
            self = known.0
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let hi = UInt16(parts[0]), let lo = UInt16(parts[1]) else { return nil }
        self.init(hi, lo)
    }

    /// NO_EXPORT (RFC 1997).
    public static let noExport = Community(rawValue: 0xFFFF_FF01)
    /// NO_ADVERTISE (RFC 1997).
    public static let noAdvertise = Community(rawValue: 0xFFFF_FF02)
    /// NO_EXPORT_SUBCONFED (RFC 1997).
    public static let noExportSubconfed = Community(rawValue: 0xFFFF_FF03)
    /// NOPEER (RFC 3765).
    public static let noPeer = Community(rawValue: 0xFFFF_FF04)
    /// LLGR_STALE (RFC 9494).
    public static let llgrStale = Community(rawValue: 0xFFFF_0006)
    /// NO_LLGR (RFC 9494).
    public static let noLLGR = Community(rawValue: 0xFFFF_0007)
    /// BLACKHOLE (RFC 7999).
    public static let blackhole = Community(rawValue: 0xFFFF_029A)

    private static let wellKnownNames: [(Community, String)] = [
        (.noExport, "no-export"), (.noAdvertise, "no-advertise"), (.noExportSubconfed, "no-export-subconfed"),
        (.noPeer, "no-peer"), (.llgrStale, "llgr-stale"), (.noLLGR, "no-llgr"), (.blackhole, "blackhole"),
    ]

    public var description: String {
        if let known = Self.wellKnownNames.first(where: { $0.0 == self }) { return known.1 }
        return "\(rawValue >> 16):\(rawValue & 0xFFFF)"
    }

    public static func < (lhs: Community, rhs: Community) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An extended community (RFC 4360): 8 octets. The first octet is the type, the second the sub-type for
/// the regular types.
public struct ExtendedCommunity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 64-bit value in network order semantics (type octet is the most significant).
    public var rawValue: UInt64

    /// Creates an extended community from its 64-bit value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The type octet.
    public var type: UInt8 { UInt8(rawValue >> 56) }
    /// The sub-type octet.
    public var subtype: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 48) }
    /// True when the IANA-authority bit says the community is transitive across ASes (bit 6 clear).
    public var isTransitive: Bool { type & 0x40 == 0 }

    /// A two-octet-AS-specific route target `rt:ASN:value` (RFC 4360 §4, type 0x00 sub-type 0x02).
    public static func routeTarget(_ asn: UInt16, _ value: UInt32) -> ExtendedCommunity {
        ExtendedCommunity(rawValue: 0x0002 << 48 | UInt64(asn) << 32 | UInt64(value))
    }

    /// Parses `rt:ASN:value`, `ro:ASN:value` (two-octet AS specific) or `0x` followed by 16 hex digits.
    public init?(_ text: some StringProtocol) {
        if text.hasPrefix("0x"), let v = UInt64(text.dropFirst(2), radix: 16) {
            rawValue = v
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let value = UInt32(parts[2]) else { return nil }
        let sub: UInt64
        switch parts[0] {
        case "rt": sub = 0x02
        case "ro", "soo": sub = 0x03
        default: return nil
        }
        if let asn = UInt16(parts[1]) {
            rawValue = sub << 48 | UInt64(asn) << 32 | UInt64(value)
        } else if let asn = UInt32(parts[1]), value <= 0xFFFF {
            rawValue = 0x02 << 56 | sub << 48 | UInt64(asn) << 16 | UInt64(value)
        } else {
            return nil
        }
    }

    public var description: String {
        switch (type, subtype) {
        case (0x00, 0x02): "rt:\((rawValue >> 32) & 0xFFFF):\(rawValue & 0xFFFF_FFFF)"
        case (0x00, 0x03): "ro:\((rawValue >> 32) & 0xFFFF):\(rawValue & 0xFFFF_FFFF)"
        case (0x02, 0x02): "rt:\((rawValue >> 16) & 0xFFFF_FFFF):\(rawValue & 0xFFFF)"
        case (0x02, 0x03): "ro:\((rawValue >> 16) & 0xFFFF_FFFF):\(rawValue & 0xFFFF)"
        default: "0x" + String(repeating: "0", count: 16 - String(rawValue, radix: 16).count)
            + String(rawValue, radix: 16)
        }
    }

    public static func < (lhs: ExtendedCommunity, rhs: ExtendedCommunity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A large community (RFC 8092): three 4-octet values, written `global:local1:local2`.
public struct LargeCommunity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The Global Administrator (an ASN).
    public var globalAdministrator: UInt32
    /// Local Data Part 1.
    public var localData1: UInt32
    /// Local Data Part 2.
    public var localData2: UInt32

    /// Creates a large community.
    public init(_ global: UInt32, _ local1: UInt32, _ local2: UInt32) {
        globalAdministrator = global
        localData1 = local1
        localData2 = local2
    }

    /// Parses `global:local1:local2`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let g = UInt32(parts[0]), let a = UInt32(parts[1]), let b = UInt32(parts[2]) else {
            return nil
        }
        self.init(g, a, b)
    }

    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }

    public static func < (lhs: LargeCommunity, rhs: LargeCommunity) -> Bool {
        (lhs.globalAdministrator, lhs.localData1, lhs.localData2)
            < (rhs.globalAdministrator, rhs.localData1, rhs.localData2)
    }
}
