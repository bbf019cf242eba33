// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

#if canImport(Glibc)
import Glibc
#endif
import BGPModel
import NIOCore

/// TCP MD5 signatures (RFC 2385) through Linux's `TCP_MD5SIG` socket option.
///
/// A key is bound to the neighbour's address. On a listening socket one key per neighbour is installed; on a
/// connecting socket, before `connect`. An AF_INET6 socket takes IPv4 neighbours as IPv4-mapped addresses,
/// which the kernel files as IPv4 keys.
enum TCPMD5 {
    /// Linux's TCP_MD5SIG_MAXKEYLEN.
    static let maximumKeyLength = 80

    /// Builds the `struct tcp_md5sig` for `peer` on a socket of `socketFamily` (AF_INET or AF_INET6).
    /// An empty key removes the entry.
    static func signature(peer: IPAddress, key: String, socketFamily: Int32) -> tcp_md5sig {
        var sig = tcp_md5sig()
        let keyBytes = Array(key.utf8.prefix(maximumKeyLength))
        sig.tcpm_keylen = UInt16(keyBytes.count)
        withUnsafeMutableBytes(of: &sig.tcpm_key) { raw in
            for (i, byte) in keyBytes.enumerated() { raw[i] = byte }
        }
        withUnsafeMutableBytes(of: &sig.tcpm_addr) { raw in
            switch (peer, socketFamily) {
            case (.v4(let a), AF_INET):
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_addr.s_addr = a.rawValue.bigEndian
                withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) }
            case (.v4(let a), _):
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { b in
                    b[10] = 0xFF
                    b[11] = 0xFF
                    for i in 0..<4 { b[12 + i] = UInt8(truncatingIfNeeded: a.rawValue >> (24 - 8 * UInt32(i))) }
                }
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            case (.v6(let a), _):
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { b in
                    for i in 0..<8 { b[i] = UInt8(truncatingIfNeeded: a.high >> (56 - 8 * UInt64(i))) }
                    for i in 0..<8 { b[8 + i] = UInt8(truncatingIfNeeded: a.low >> (56 - 8 * UInt64(i))) }
                }
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            }
        }
        return sig
    }

    /// Installs the key for `peer` on `channel` (a listening or a not-yet-connected socket).
    static func install(on channel: any Channel, peer: IPAddress, key: String, socketFamily: Int32) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let sig = signature(peer: peer, key: key, socketFamily: socketFamily)
        return provider.unsafeSetSocketOption(
            level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_MD5SIG), value: sig)
    }
}

extension tcp_md5sig: @retroactive @unchecked Sendable {}
