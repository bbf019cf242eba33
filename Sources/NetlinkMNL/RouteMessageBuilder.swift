// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync

/// Builds RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE requests as bytes, in host byte order as netlink wants
/// (addresses in network order). Pure: tested byte for byte without a socket.
public enum RouteMessageBuilder {
    /// RTM_NEWROUTE with NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK: create, or replace the route with the same key;
    /// `exclusive`: NLM_F_CREATE | NLM_F_EXCL instead, so a route already holding the key (another owner's) is left
    /// alone and the request fails with EEXIST. With `nextHopObject`, the route refers to that kernel next-hop
    /// object (`RTA_NH_ID`) instead of carrying its next hops.
    public static func install(
        _ route: KernelRoute, nextHopObject: UInt32? = nil, exclusive: Bool = false, sequence: UInt32, into out: inout [UInt8]
    ) {
        let flags = Netlink.request | Netlink.ack | Netlink.create | (exclusive ? Netlink.exclusive : Netlink.replace)
        message(type: Netlink.newRoute, flags: flags, sequence: sequence, into: &out) { body in
            if let nextHopObject {
                routeBody(route, withNextHops: false, universe: true, into: &body)
                attribute32(Netlink.nextHopID, nextHopObject, into: &body)
            } else {
                routeBody(route, withNextHops: true, into: &body)
            }
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
            body.append(ipv6 ? Netlink.inet6 : Netlink.inet)
            body.append(contentsOf: repeatElement(0, count: 7))
            append32(0, to: &body)
        }
    }

    /// RTM_GETLINK with NLM_F_DUMP: every link (workload discovery's initial snapshot). An `ifinfomsg` of zeros.
    public static func linkDumpRequest(sequence: UInt32, into out: inout [UInt8]) {
        message(type: Netlink.getLink, flags: Netlink.request | Netlink.dump, sequence: sequence, into: &out) { body in
            body.append(contentsOf: repeatElement(0, count: Netlink.linkMessageLength))
        }
    }

    /// RTM_GETADDR with NLM_F_DUMP: every address of both families (an `ifaddrmsg` of zeros: AF_UNSPEC).
    public static func addressDumpRequest(sequence: UInt32, into out: inout [UInt8]) {
        message(type: Netlink.getAddress, flags: Netlink.request | Netlink.dump, sequence: sequence, into: &out) { body in
            body.append(contentsOf: repeatElement(0, count: Netlink.addressMessageLength))
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

    /// `universe`: a route through a next-hop object (scope universe, type unicast, no next hops of its own).
    static func routeBody(_ route: KernelRoute, withNextHops: Bool, universe: Bool = false, into out: inout [UInt8]) {
        let v6 = route.prefix.afi == .ipv6
        let direct = route.type == .unicast && route.nextHops.allSatisfy { $0.gateway == nil }
        let scope = universe ? Netlink.scopeUniverse : withNextHops ? (direct ? Netlink.scopeLink : Netlink.scopeUniverse) : Netlink.scopeNowhere
        // struct rtmsg (appended field by field: this runs once per route, so no temporary arrays).
        out.append(v6 ? Netlink.inet6 : Netlink.inet)
        out.append(route.prefix.length)
        out.append(0)
        out.append(0)
        out.append(route.table < 256 ? UInt8(route.table) : 0)
        out.append(route.protocolNumber)
        out.append(scope)
        out.append(withNextHops || universe ? route.type.rawValue : Netlink.typeUnspecified)
        append32(0, to: &out)  // rtm_flags
        if route.prefix.length > 0 { addressAttribute(Netlink.dst, route.prefix, into: &out) }
        attribute32(Netlink.table, route.table, into: &out)
        attribute32(Netlink.priority, route.metric, into: &out)
        guard withNextHops, route.type == .unicast else { return }
        if route.nextHops.count == 1 {
            nextHopAttributes(route.nextHops[0], routeIsV6: v6, into: &out)
        } else if route.nextHops.count > 1 {
            // RTA_MULTIPATH: struct rtnexthop { len, flags, hops (weight - 1), ifindex } followed by its attributes.
            let attributeStart = out.count
            append16(0, to: &out)
            append16(Netlink.multipath, to: &out)
            for hop in route.nextHops {
                let start = out.count
                append16(0, to: &out)
                out.append(0)
                out.append(hop.weight &- 1)
                append32(hop.interfaceIndex ?? 0, to: &out)
                if let gateway = hop.gateway { gatewayAttribute(gateway, routeIsV6: v6, into: &out) }
                set16(UInt16(out.count - start), at: start, in: &out)
            }
            set16(UInt16(out.count - attributeStart), at: attributeStart, in: &out)
        }
    }

    static func nextHopAttributes(_ hop: KernelNextHop, routeIsV6: Bool, into out: inout [UInt8]) {
        if let gateway = hop.gateway { gatewayAttribute(gateway, routeIsV6: routeIsV6, into: &out) }
        if let index = hop.interfaceIndex { attribute32(Netlink.oif, index, into: &out) }
    }

    /// RTA_GATEWAY in the route's family, or RTA_VIA (family + address) for an IPv6 gateway of an IPv4 route.
    static func gatewayAttribute(_ gateway: IPAddress, routeIsV6: Bool, into out: inout [UInt8]) {
        switch (gateway, routeIsV6) {
        case (.v6(let a), false):
            append16(4 + 2 + 16, to: &out)
            append16(Netlink.via, to: &out)
            append16(UInt16(Netlink.inet6), to: &out)
            appendAddress(a, to: &out)
            out.append(0)
            out.append(0)  // pad 22 -> 24
        case (.v4(let a), _):
            append16(8, to: &out)
            append16(Netlink.gateway, to: &out)
            appendAddress(a, to: &out)
        case (.v6(let a), true):
            append16(20, to: &out)
            append16(Netlink.gateway, to: &out)
            appendAddress(a, to: &out)
        }
    }

    static func addressAttribute(_ type: UInt16, _ prefix: IPPrefix, into out: inout [UInt8]) {
        switch prefix {
        case .v4(let p):
            append16(8, to: &out)
            append16(type, to: &out)
            appendAddress(p.address, to: &out)
        case .v6(let p):
            append16(20, to: &out)
            append16(type, to: &out)
            appendAddress(p.address, to: &out)
        }
    }

    static func attribute32(_ type: UInt16, _ value: UInt32, into out: inout [UInt8]) {
        append16(8, to: &out)
        append16(type, to: &out)
        append32(value, to: &out)
    }

    static func appendAddress(_ a: IPv4Address, to out: inout [UInt8]) { append32(a.rawValue.bigEndian, to: &out) }
    static func appendAddress(_ a: IPv6Address, to out: inout [UInt8]) {
        withUnsafeBytes(of: a.high.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: a.low.bigEndian) { out.append(contentsOf: $0) }
    }
    static func set16(_ value: UInt16, at index: Int, in out: inout [UInt8]) {
        out[index] = UInt8(truncatingIfNeeded: value)
        out[index + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    static func append16(_ value: UInt16, to out: inout [UInt8]) { withUnsafeBytes(of: value) { out.append(contentsOf: $0) } }
    static func append32(_ value: UInt32, to out: inout [UInt8]) { withUnsafeBytes(of: value) { out.append(contentsOf: $0) } }
}
