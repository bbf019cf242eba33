// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An IPv4 or IPv6 prefix.
public enum IPPrefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// An IPv4 prefix.
    case v4(IPv4Prefix)
    /// An IPv6 prefix.
    case v6(IPv6Prefix)

    /// Parses either textual form.
    public init?(_ text: some StringProtocol) {
        if let p = IPv4Prefix(text) {
            self = .v4(p)
        } else if let p = IPv6Prefix(text) {
            self = .v6(p)
        } else {
            return nil
        }
    }

    /// Hashes one word for IPv4 and two for IPv6 (the synthesized conformance feeds the case tag and each field
    /// separately, and prefix-keyed tables of a million entries feel it). Equal prefixes hash equally.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .v4(let p):
            hasher.combine(UInt64(p.address.rawValue) << 8 | UInt64(p.length))
        case .v6(let p):
            hasher.combine(p.address.high)
            hasher.combine(p.address.low ^ (UInt64(p.length) << 56 | 1))
        }
    }

    /// The prefix length.
    public var length: UInt8 {
        switch self {
        case .v4(let p): p.length
        case .v6(let p): p.length
        }
    }

    /// The address family identifier of this prefix.
    public var afi: AFI {
        switch self {
        case .v4: .ipv4
        case .v6: .ipv6
        }
    }

    /// True when `other` lies within this prefix (same family; a prefix contains itself).
    public func contains(_ other: IPPrefix) -> Bool {
        switch (self, other) {
        case (.v4(let a), .v4(let b)): a.contains(b)
        case (.v6(let a), .v6(let b)): a.contains(b)
        default: false
        }
    }

    public var description: String {
        switch self {
        case .v4(let p): p.description
        case .v6(let p): p.description
        }
    }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}
