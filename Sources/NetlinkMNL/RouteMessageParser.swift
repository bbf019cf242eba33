// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync

/// Parses RTM_NEWROUTE messages (dump replies and notifications) into `KernelRoute`s. Pure; never traps on
/// what the kernel sends: anything it does not understand makes it return `nil`.
public enum RouteMessageParser {
    /// Parses one netlink message (header included). Returns `nil` for other message types, route types Peerlet
    /// does not model (local, broadcast…) and malformed input.
    public static func parse(_ message: UnsafeRawBufferPointer) -> KernelRoute? {
        guard let (route, removed) = parseNotification(message), !removed else { return nil }
        return route
    }

    /// Parses an RTM_NEWROUTE or RTM_DELROUTE notification: the route, and whether it was removed.
    public static func parseNotification(_ message: UnsafeRawBufferPointer) -> (route: KernelRoute, removed: Bool)? {
        guard message.count >= Netlink.headerLength + Netlink.routeMessageLength else { return nil }
        let length = Int(message.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard type == Netlink.newRoute || type == Netlink.deleteRoute, length <= message.count else { return nil }
        let r = Netlink.headerLength
        let family = message[r]
        let dstLength = message[r + 1]
        var table = UInt32(message[r + 4])
        let protocolNumber = message[r + 5]
        guard let routeType = KernelRouteType(rawValue: message[r + 7]) else { return nil }
        guard family == Netlink.inet || family == Netlink.inet6 else { return nil }
        let v6 = family == Netlink.inet6
        var destination: IPAddress = v6 ? .v6(.any) : .v4(.any)
        var metric: UInt32 = 0
        var single = KernelNextHop(gateway: nil)
        var hops: [KernelNextHop] = []
        let attributes = UnsafeRawBufferPointer(rebasing: message[(r + Netlink.routeMessageLength)..<max(length, r + Netlink.routeMessageLength)])
        let wellFormed = Netlink.walkAttributes(attributes) { attributeType, value in
            switch attributeType {
            case Netlink.dst: destination = address(value, v6: v6) ?? destination
            case Netlink.gateway: single.gateway = address(value, v6: v6)
            case Netlink.via: single.gateway = via(value)
            case Netlink.oif where value.count == 4: single.interfaceIndex = value.loadUnaligned(as: UInt32.self)
            case Netlink.priority where value.count == 4: metric = value.loadUnaligned(as: UInt32.self)
            case Netlink.table where value.count == 4: table = value.loadUnaligned(as: UInt32.self)
            case Netlink.multipath: hops = multipath(value, v6: v6) ?? []
            default: break
            }
            return true
        }
        guard wellFormed else { return nil }
        let prefix: IPPrefix
        switch destination {
        case .v4(let a):
            guard dstLength <= 32 else { return nil }
            prefix = .v4(IPv4Prefix(address: a, length: dstLength))
        case .v6(let a):
            guard dstLength <= 128 else { return nil }
            prefix = .v6(IPv6Prefix(address: a, length: dstLength))
        }
        if hops.isEmpty, routeType == .unicast { hops = [single] }
        let route = KernelRoute(prefix: prefix, nextHops: hops, table: table, protocolNumber: protocolNumber, metric: metric, type: routeType)
        return (route, type == Netlink.deleteRoute)
    }

    static func address(_ value: UnsafeRawBufferPointer, v6: Bool) -> IPAddress? {
        if !v6, value.count == 4 { return .v4(IPv4Address(rawValue: UInt32(bigEndian: value.loadUnaligned(as: UInt32.self)))) }
        if v6, value.count == 16 {
            return .v6(IPv6Address(
                high: UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)), low: UInt64(bigEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt64.self))))
        }
        return nil
    }

    /// RTA_VIA: a 2-octet family then the address.
    static func via(_ value: UnsafeRawBufferPointer) -> IPAddress? {
        guard value.count >= 2 else { return nil }
        let family = value.loadUnaligned(as: UInt16.self)
        return address(UnsafeRawBufferPointer(rebasing: value[2...]), v6: family == UInt16(Netlink.inet6))
    }

    static func multipath(_ value: UnsafeRawBufferPointer, v6: Bool) -> [KernelNextHop]? {
        var hops: [KernelNextHop] = []
        var offset = 0
        while offset + 8 <= value.count {
            let length = Int(value.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard length >= 8, offset + length <= value.count else { return nil }
            var hop = KernelNextHop(gateway: nil, weight: value[offset + 3] &+ 1)
            let index = value.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            if index != 0 { hop.interfaceIndex = index }
            let wellFormed = Netlink.walkAttributes(UnsafeRawBufferPointer(rebasing: value[(offset + 8)..<(offset + length)])) { attributeType, attributeValue in
                if attributeType == Netlink.gateway { hop.gateway = address(attributeValue, v6: v6) }
                if attributeType == Netlink.via { hop.gateway = via(attributeValue) }
                return true
            }
            guard wellFormed else { return nil }
            hops.append(hop)
            offset += Netlink.align(length)
        }
        return hops
    }
}
