// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync

/// Parses RTM_NEWNEXTHOP messages (dump replies) into `NextHopObject`s, and finds a route message's `RTA_NH_ID`.
/// Pure; never traps: what it does not model (blackhole, FDB, resilient groups, encapsulation) is `nil`.
public enum NextHopMessageParser {
    /// Parses one netlink message (header included).
    public static func parse(_ message: UnsafeRawBufferPointer) -> NextHopObject? {
        let start = Netlink.headerLength + Netlink.nextHopMessageLength
        guard message.count >= start else { return nil }
        let length = Int(message.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard type == Netlink.newNextHop, length >= start, length <= message.count else { return nil }
        let family = message[Netlink.headerLength]
        let protocolNumber = message[Netlink.headerLength + 2]
        var id: UInt32 = 0
        var index: UInt32?
        var gateway: IPAddress?
        var members: [NextHopObject.Member]?
        var unmodelled = false
        let wellFormed = Netlink.walkAttributes(UnsafeRawBufferPointer(rebasing: message[start..<length])) { attributeType, value in
            switch attributeType {
            case Netlink.nhaID where value.count == 4: id = value.loadUnaligned(as: UInt32.self)
            case Netlink.nhaOIF where value.count == 4: index = value.loadUnaligned(as: UInt32.self)
            case Netlink.nhaGateway: gateway = RouteMessageParser.address(value, v6: family == Netlink.inet6)
            case Netlink.nhaGroup:
                guard value.count % 8 == 0 else { return false }
                members = stride(from: 0, to: value.count, by: 8).map { offset in
                    let weight = UInt16(value[offset + 4]) | UInt16(value[offset + 5]) << 8
                    return NextHopObject.Member(id: value.loadUnaligned(fromByteOffset: offset, as: UInt32.self), weight: weight &+ 1)
                }
            case 3 where value.count >= 2: unmodelled = value.loadUnaligned(as: UInt16.self) != 0  // resilient group
            case 4, 7, 8, 11, 12: unmodelled = true  // blackhole, encap type, encap, fdb, resilient group data
            default: break
            }
            return true
        }
        guard wellFormed, !unmodelled, id != 0 else { return nil }
        if let members, !members.isEmpty {
            return NextHopObject(id: id, content: .group(members.sorted()), protocolNumber: protocolNumber)
        }
        guard let gateway, let index else { return nil }
        return NextHopObject(id: id, content: .gateway(gateway, interfaceIndex: index), protocolNumber: protocolNumber)
    }

    /// The `RTA_NH_ID` of an RTM_NEWROUTE message (header included), if it has one.
    public static func nextHopID(ofRoute message: UnsafeRawBufferPointer) -> UInt32? {
        let start = Netlink.headerLength + Netlink.routeMessageLength
        guard message.count >= start else { return nil }
        let length = Int(message.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        guard length >= start, length <= message.count else { return nil }
        var id: UInt32?
        _ = Netlink.walkAttributes(UnsafeRawBufferPointer(rebasing: message[start..<length])) { attributeType, value in
            if attributeType == Netlink.nextHopID, value.count == 4 {
                id = value.loadUnaligned(as: UInt32.self)
                return false
            }
            return true
        }
        return id
    }
}
