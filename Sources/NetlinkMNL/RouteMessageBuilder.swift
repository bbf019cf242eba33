// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync

/// Builds RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE requests as bytes, in host byte order as netlink wants
/// (addresses in network order). Pure: tested byte for byte without a socket.
public enum RouteMessageBuilder {
    /// RTM_NEWROUTE with NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK: create, or replace the route with the same key.
    public static func install(_ route: KernelRoute, sequence: UInt32, into out: inout [UInt8]) {
        message(type: Netlink.newRoute, flags: Netlink.request | Netlink.ack | Netlink.create | Netlink.replace, sequence: sequence, into: &out) { body in
            routeBody(route, withNextHops: true, into: &body)
        }
    }

    /// RTM_DELROUTE with NLM_F_ACK for the route's key, restricted to its protocol (the kernel matches a non-zero
    /// `rtm_protocol`), so a route of another owner with the same key is never deleted. Scope and type are sent as
    /// "any" (RT_SCOPE_NOWHERE, RTN_UNSPEC), as iproute2 does: the kernel would otherwise also match them, and a
    /// delete built without next hops would miss a gateway route.
    public static func remove(_ route: KernelRoute, sequence: UInt32, into out: inout [UInt8]) {
        message(type: Netlink.deleteRoute, flags: Netlink.request | Netlink.ack, sequence: sequence, into: &out) { body in
            routeBody(route, withNextHops: false, into: &body)
        }
    }

    /// RTM_GETROUTE dump request for one family.
    public static func dumpRequest(ipv6: Bool, sequence: UInt32, into out: inout [UInt8]) {
        message(type: Netlink.getRoute, flags: Netlink.request | Netlink.dump, sequence: sequence, into: &out) { body in
            body += [ipv6 ? Netlink.inet6 : Netlink.inet, 0, 0, 0, 0, 0, 0, 0]
            append32(0, to: &body)
        }
    }

    // MARK: - Encoding

    static func message(type: UInt16, flags: UInt16, sequence: UInt32, into out: inout [UInt8], body: (inout [UInt8]) -> Void) {
        let start = out.count
        append32(0, to: &out)  // nlmsg_len, set below
        append16(type, to: &out)
        append16(flags, to: &out)
        append32(sequence, to: &out)
        append32(0, to: &out)  // nlmsg_pid: the kernel
        body(&out)
        let length = UInt32(out.count - start)
        withUnsafeBytes(of: length) { for (i, byte) in $0.enumerated() { out[start + i] = byte } }
    }

    static func routeBody(_ route: KernelRoute, withNextHops: Bool, into out: inout [UInt8]) {
        let v6 = route.prefix.afi == .ipv6
        let direct = route.type == .unicast && route.nextHops.allSatisfy { $0.gateway == nil }
        let scope = withNextHops ? (direct ? Netlink.scopeLink : Netlink.scopeUniverse) : Netlink.scopeNowhere
        // struct rtmsg
        out += [
            v6 ? Netlink.inet6 : Netlink.inet, route.prefix.length, 0, 0, route.table < 256 ? UInt8(route.table) : 0,
            route.protocolNumber, scope, withNextHops ? route.type.rawValue : Netlink.typeUnspecified,
        ]
        append32(0, to: &out)  // rtm_flags
        if route.prefix.length > 0 { attribute(Netlink.dst, address(route.prefix), into: &out) }
        attribute(Netlink.table, bytes32(route.table), into: &out)
        attribute(Netlink.priority, bytes32(route.metric), into: &out)
        guard withNextHops, route.type == .unicast else { return }
        if route.nextHops.count == 1 {
            nextHopAttributes(route.nextHops[0], routeIsV6: v6, into: &out)
        } else if route.nextHops.count > 1 {
            // RTA_MULTIPATH: struct rtnexthop { len, flags, hops (weight - 1), ifindex } followed by its attributes.
            var payload: [UInt8] = []
            for hop in route.nextHops {
                let start = payload.count
                append16(0, to: &payload)
                payload += [0, hop.weight &- 1]
                append32(hop.interfaceIndex ?? 0, to: &payload)
                if let gateway = hop.gateway { gatewayAttribute(gateway, routeIsV6: v6, into: &payload) }
                let length = UInt16(payload.count - start)
                withUnsafeBytes(of: length) { for (i, byte) in $0.enumerated() { payload[start + i] = byte } }
            }
            attribute(Netlink.multipath, payload, into: &out)
        }
    }

    static func nextHopAttributes(_ hop: KernelNextHop, routeIsV6: Bool, into out: inout [UInt8]) {
        if let gateway = hop.gateway { gatewayAttribute(gateway, routeIsV6: routeIsV6, into: &out) }
        if let index = hop.interfaceIndex { attribute(Netlink.oif, bytes32(index), into: &out) }
    }

    /// RTA_GATEWAY in the route's family, or RTA_VIA (family + address) for an IPv6 gateway of an IPv4 route.
    static func gatewayAttribute(_ gateway: IPAddress, routeIsV6: Bool, into out: inout [UInt8]) {
        switch (gateway, routeIsV6) {
        case (.v6(let a), false):
            var via: [UInt8] = []
            append16(UInt16(Netlink.inet6), to: &via)
            via += bytes(a)
            attribute(Netlink.via, via, into: &out)
        case (.v4(let a), _): attribute(Netlink.gateway, bytes(a), into: &out)
        case (.v6(let a), true): attribute(Netlink.gateway, bytes(a), into: &out)
        }
    }

    static func attribute(_ type: UInt16, _ value: [UInt8], into out: inout [UInt8]) {
        append16(UInt16(4 + value.count), to: &out)
        append16(type, to: &out)
        out += value
        out += repeatElement(0, count: Netlink.align(value.count) - value.count)
    }

    static func address(_ prefix: IPPrefix) -> [UInt8] {
        switch prefix {
        case .v4(let p): bytes(p.address)
        case .v6(let p): bytes(p.address)
        }
    }

    static func bytes(_ a: IPv4Address) -> [UInt8] { withUnsafeBytes(of: a.rawValue.bigEndian) { Array($0) } }
    static func bytes(_ a: IPv6Address) -> [UInt8] {
        withUnsafeBytes(of: a.high.bigEndian) { Array($0) } + withUnsafeBytes(of: a.low.bigEndian) { Array($0) }
    }
    static func bytes32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
    static func append16(_ value: UInt16, to out: inout [UInt8]) { withUnsafeBytes(of: value) { out += $0 } }
    static func append32(_ value: UInt32, to out: inout [UInt8]) { withUnsafeBytes(of: value) { out += $0 } }
}
