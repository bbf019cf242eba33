// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import FIBSync

/// Parses RTM_NEWLINK and RTM_DELLINK messages (dump replies and notifications) into `KernelLink`s. Pure; never
/// traps on what the kernel sends: a malformed message yields `nil`.
public enum LinkMessageParser {
    /// A parsed link message.
    public enum Message: Hashable, Sendable {
        /// RTM_NEWLINK: the link exists, as described.
        case link(KernelLink)
        /// RTM_DELLINK: the link with this index is gone.
        case removed(index: UInt32)
    }

    /// Parses one netlink message (header included); `nil` for other message types and malformed input.
    public static func parse(_ message: UnsafeRawBufferPointer) -> Message? {
        guard message.count >= Netlink.headerLength + Netlink.linkMessageLength else { return nil }
        let length = Int(message.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard type == Netlink.newLink || type == Netlink.deleteLink,
            length >= Netlink.headerLength + Netlink.linkMessageLength, length <= message.count
        else { return nil }
        let i = Netlink.headerLength
        let index = message.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self)
        let flags = message.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self)
        if type == Netlink.deleteLink { return .removed(index: index) }
        var name: String?
        var kind: String?
        var mode: KernelLink.IPVLANMode?
        let body = UnsafeRawBufferPointer(rebasing: message[(i + Netlink.linkMessageLength)..<length])
        guard
            Netlink.walkAttributes(body, { attribute, value in
                switch attribute {
                case Netlink.interfaceName: name = string(value)
                case Netlink.linkInfo:
                    return Netlink.walkAttributes(value) { attribute, value in
                        switch attribute {
                        case Netlink.infoKind: kind = string(value)
                        case Netlink.infoData:
                            return Netlink.walkAttributes(value) { attribute, value in
                                if attribute == Netlink.ipvlanMode, value.count >= 2 {
                                    mode = KernelLink.IPVLANMode(rawValue: value.loadUnaligned(as: UInt16.self))
                                }
                                return true
                            }
                        default: break
                        }
                        return true
                    }
                default: break
                }
                return true
            }), let name
        else { return nil }
        return .link(KernelLink(index: index, name: name, kind: kind, ipvlanMode: kind == "ipvlan" ? mode : nil, isUp: flags & Netlink.interfaceUp != 0))
    }

    /// A NUL-terminated (or unterminated) string attribute.
    static func string(_ value: UnsafeRawBufferPointer) -> String {
        let end = value.firstIndex(of: 0) ?? value.count
        return String(decoding: UnsafeRawBufferPointer(rebasing: value[0..<end]), as: UTF8.self)
    }
}
