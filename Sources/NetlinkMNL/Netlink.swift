// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// Constants of the netlink route protocol (linux/netlink.h, linux/rtnetlink.h), named as there in Swift casing.
enum Netlink {
    // nlmsg_type
    static let error: UInt16 = 2  // NLMSG_ERROR
    static let done: UInt16 = 3  // NLMSG_DONE
    static let newLink: UInt16 = 16  // RTM_NEWLINK
    static let deleteLink: UInt16 = 17  // RTM_DELLINK
    static let getLink: UInt16 = 18  // RTM_GETLINK
    static let newAddress: UInt16 = 20  // RTM_NEWADDR
    static let deleteAddress: UInt16 = 21  // RTM_DELADDR
    static let getAddress: UInt16 = 22  // RTM_GETADDR
    static let newRoute: UInt16 = 24  // RTM_NEWROUTE
    static let deleteRoute: UInt16 = 25  // RTM_DELROUTE
    static let getRoute: UInt16 = 26  // RTM_GETROUTE
    static let newNextHop: UInt16 = 104  // RTM_NEWNEXTHOP
    static let deleteNextHop: UInt16 = 105  // RTM_DELNEXTHOP
    static let getNextHop: UInt16 = 106  // RTM_GETNEXTHOP
    // nlmsg_flags
    static let request: UInt16 = 0x1
    static let multi: UInt16 = 0x2
    static let ack: UInt16 = 0x4
    static let dumpInterrupted: UInt16 = 0x10  // NLM_F_DUMP_INTR
    static let replace: UInt16 = 0x100
    static let exclusive: UInt16 = 0x200  // NLM_F_EXCL
    static let dump: UInt16 = 0x300
    static let create: UInt16 = 0x400
    // rtattr types
    static let dst: UInt16 = 1  // RTA_DST
    static let oif: UInt16 = 4  // RTA_OIF
    static let gateway: UInt16 = 5  // RTA_GATEWAY
    static let priority: UInt16 = 6  // RTA_PRIORITY
    static let multipath: UInt16 = 9  // RTA_MULTIPATH
    static let table: UInt16 = 15  // RTA_TABLE
    static let via: UInt16 = 18  // RTA_VIA (an IPv6 gateway for an IPv4 route)
    static let nextHopID: UInt16 = 30  // RTA_NH_ID
    // nha attribute types (linux/nexthop.h)
    static let nhaID: UInt16 = 1  // NHA_ID (u32)
    static let nhaGroup: UInt16 = 2  // NHA_GROUP (array of struct nexthop_grp)
    static let nhaOIF: UInt16 = 5  // NHA_OIF (u32)
    static let nhaGateway: UInt16 = 6  // NHA_GATEWAY (be32 or in6_addr)
    // ifla attribute types (linux/if_link.h)
    static let interfaceName: UInt16 = 3  // IFLA_IFNAME
    static let linkInfo: UInt16 = 18  // IFLA_LINKINFO (nested)
    static let infoKind: UInt16 = 1  // IFLA_INFO_KIND
    static let infoData: UInt16 = 2  // IFLA_INFO_DATA (nested)
    static let ipvlanMode: UInt16 = 1  // IFLA_IPVLAN_MODE (u16)
    static let interfaceUp: UInt32 = 0x1  // IFF_UP
    // multicast groups (bind(2) bit masks, linux/rtnetlink.h RTMGRP_*)
    static let groupLink: UInt32 = 0x1  // RTMGRP_LINK
    static let groupIPv4Address: UInt32 = 0x10  // RTMGRP_IPV4_IFADDR
    static let groupIPv4Route: UInt32 = 0x40  // RTMGRP_IPV4_ROUTE
    static let groupIPv6Address: UInt32 = 0x100  // RTMGRP_IPV6_IFADDR
    static let groupIPv6Route: UInt32 = 0x400  // RTMGRP_IPV6_ROUTE
    // rtm_scope
    static let scopeUniverse: UInt8 = 0
    static let scopeLink: UInt8 = 253
    /// RT_SCOPE_NOWHERE: in a delete request, "any scope" (what iproute2 sends).
    static let scopeNowhere: UInt8 = 255
    /// RTN_UNSPEC: in a delete request, "any type".
    static let typeUnspecified: UInt8 = 0
    // families
    static let inet: UInt8 = 2  // AF_INET
    static let inet6: UInt8 = 10  // AF_INET6
    // sizes
    static let headerLength = 16  // struct nlmsghdr
    static let routeMessageLength = 12  // struct rtmsg
    static let linkMessageLength = 16  // struct ifinfomsg
    static let nextHopMessageLength = 8  // struct nhmsg
    static let addressMessageLength = 8  // struct ifaddrmsg
    // ifa attribute types (linux/if_addr.h)
    static let ifaAddress: UInt16 = 1  // IFA_ADDRESS
    static let ifaLocal: UInt16 = 2  // IFA_LOCAL

    /// NLMSG_ALIGN / RTA_ALIGN: 4-octet alignment.
    @inline(__always)
    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// Calls `visit` for each attribute (type without the nested/byte-order flags); false when malformed or when
    /// `visit` says so.
    static func walkAttributes(_ bytes: UnsafeRawBufferPointer, _ visit: (UInt16, UnsafeRawBufferPointer) -> Bool) -> Bool {
        var offset = 0
        while offset + 4 <= bytes.count {
            let attributeLength = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let attributeType = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3FFF
            guard attributeLength >= 4, offset + attributeLength <= bytes.count else { return false }
            guard visit(attributeType, UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + attributeLength)])) else {
                return false
            }
            offset += align(attributeLength)
        }
        return true
    }
}
