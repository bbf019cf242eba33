// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

#if canImport(Glibc)
import Glibc
#endif
public import BGPModel
public import NIOCore

extension SocketAddress {
    /// The IP address of this socket address; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack
    /// listener reports for IPv4 clients) is returned as IPv4.
    public var bgpAddress: IPAddress? {
        switch self {
        case .v4(let a):
            return .v4(BGPModel.IPv4Address(rawValue: UInt32(bigEndian: a.address.sin_addr.s_addr)))
        case .v6(let a):
            var high: UInt64 = 0
            var low: UInt64 = 0
            withUnsafeBytes(of: a.address.sin6_addr) { bytes in
                for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
                for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
            }
            if high == 0, low >> 32 == 0xFFFF {
                return .v4(BGPModel.IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)))
            }
            return .v6(BGPModel.IPv6Address(high: high, low: low))
        default:
            return nil
        }
    }

    /// Creates a socket address for `address` and `port`.
    public init(_ address: IPAddress, port: Int) throws {
        switch address {
        case .v4(let a):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr.s_addr = a.rawValue.bigEndian
            self = SocketAddress(sin, host: a.description)
        case .v6(let a):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { bytes in
                for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a.high >> (56 - 8 * UInt64(i))) }
                for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: a.low >> (56 - 8 * UInt64(i))) }
            }
            self = SocketAddress(sin6, host: a.description)
        }
    }
}

extension Duration {
    /// Whole milliseconds, clamped to the socket option's range (TCP_USER_TIMEOUT takes milliseconds).
    var socketMilliseconds: SocketOptionValue {
        let (seconds, attoseconds) = components
        return SocketOptionValue(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The same span as a SwiftNIO `TimeAmount`.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
