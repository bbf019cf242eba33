// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync

/// Parses RTM_NEWADDR / RTM_DELADDR messages (dump replies and notifications) into `KernelAddress`es. Pure; never
/// traps: malformed input is `nil`.
public enum AddressMessageParser {
    /// Parses one netlink message (header included): the address, and whether it was removed.
    ///
    /// `struct ifaddrmsg` is family, prefix length, flags, scope, then the interface index (u32). The address is
    /// IFA_LOCAL when present (on a point-to-point link IFA_ADDRESS is the far end), else IFA_ADDRESS.
    public static func parse(_ message: UnsafeRawBufferPointer) -> (address: KernelAddress, removed: Bool)? {
        let start = Netlink.headerLength + Netlink.addressMessageLength
        guard message.count >= start else { return nil }
        let length = Int(message.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard type == Netlink.newAddress || type == Netlink.deleteAddress, length >= start, length <= message.count else { return nil }
        let family = message[Netlink.headerLength]
        guard family == Netlink.inet || family == Netlink.inet6 else { return nil }
        let v6 = family == Netlink.inet6
        let prefixLength = message[Netlink.headerLength + 1]
        guard prefixLength <= (v6 ? 128 : 32) else { return nil }
        let scope = message[Netlink.headerLength + 3]
        let index = message.loadUnaligned(fromByteOffset: Netlink.headerLength + 4, as: UInt32.self)
        var local: IPAddress?
        var address: IPAddress?
        let wellFormed = Netlink.walkAttributes(UnsafeRawBufferPointer(rebasing: message[start..<length])) { attributeType, value in
            switch attributeType {
            case Netlink.ifaLocal: local = RouteMessageParser.address(value, v6: v6)
            case Netlink.ifaAddress: address = RouteMessageParser.address(value, v6: v6)
            default: break
            }
            return true
        }
        guard wellFormed, let found = local ?? address else { return nil }
        return (KernelAddress(interfaceIndex: index, address: found, prefixLength: prefixLength, scope: scope), type == Netlink.deleteAddress)
    }
}
