// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel
public import FIBSync

/// Builds RTM_NEWNEXTHOP / RTM_DELNEXTHOP / RTM_GETNEXTHOP requests (linux/nexthop.h), and the RTM_GETROUTE
/// lookup that finds a gateway's interface. Pure: tested byte for byte without a socket.
public enum NextHopMessageBuilder {
    /// RTM_NEWNEXTHOP with NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK: `struct nhmsg` (family, scope, protocol,
    /// reserved, flags), then NHA_ID and either NHA_OIF + NHA_GATEWAY or NHA_GROUP (a group's family is
    /// AF_UNSPEC; each `struct nexthop_grp` carries the weight minus one, as the kernel stores it).
    public static func install(_ object: NextHopObject, sequence: UInt32, into out: inout [UInt8]) {
        let flags = Netlink.request | Netlink.ack | Netlink.create | Netlink.replace
        RouteMessageBuilder.message(type: Netlink.newNextHop, flags: flags, sequence: sequence, into: &out) { body in
            switch object.content {
            case .gateway(let address, _): body.append(address.afi == .ipv6 ? Netlink.inet6 : Netlink.inet)
            case .group: body.append(0)
            }
            body.append(0)  // nh_scope: set by the kernel
            body.append(object.protocolNumber)
            body.append(0)
            RouteMessageBuilder.append32(0, to: &body)  // nh_flags
            RouteMessageBuilder.attribute32(Netlink.nhaID, object.id, into: &body)
            switch object.content {
            case .gateway(let address, let index):
                RouteMessageBuilder.attribute32(Netlink.nhaOIF, index, into: &body)
                switch address {
                case .v4(let a):
                    RouteMessageBuilder.append16(8, to: &body)
                    RouteMessageBuilder.append16(Netlink.nhaGateway, to: &body)
                    RouteMessageBuilder.appendAddress(a, to: &body)
                case .v6(let a):
                    RouteMessageBuilder.append16(20, to: &body)
                    RouteMessageBuilder.append16(Netlink.nhaGateway, to: &body)
                    RouteMessageBuilder.appendAddress(a, to: &body)
                }
            case .group(let members):
                RouteMessageBuilder.append16(UInt16(4 + 8 * members.count), to: &body)
                RouteMessageBuilder.append16(Netlink.nhaGroup, to: &body)
                for member in members {
                    let weight = max(member.weight, 1) - 1
                    RouteMessageBuilder.append32(member.id, to: &body)
                    body.append(UInt8(truncatingIfNeeded: weight))
                    body.append(UInt8(truncatingIfNeeded: weight >> 8))
                    RouteMessageBuilder.append16(0, to: &body)
                }
            }
        }
    }

    /// RTM_DELNEXTHOP with NLM_F_ACK for one id.
    public static func remove(id: UInt32, sequence: UInt32, into out: inout [UInt8]) {
        RouteMessageBuilder.message(type: Netlink.deleteNextHop, flags: Netlink.request | Netlink.ack, sequence: sequence, into: &out) { body in
            body.append(contentsOf: repeatElement(0, count: Netlink.nextHopMessageLength))
            RouteMessageBuilder.attribute32(Netlink.nhaID, id, into: &body)
        }
    }

    /// RTM_GETNEXTHOP with NLM_F_DUMP: every object in the namespace.
    public static func dumpRequest(sequence: UInt32, into out: inout [UInt8]) {
        RouteMessageBuilder.message(type: Netlink.getNextHop, flags: Netlink.request | Netlink.dump, sequence: sequence, into: &out) { body in
            body.append(contentsOf: repeatElement(0, count: Netlink.nextHopMessageLength))
        }
    }

    /// RTM_GETROUTE for one address (no dump): the kernel answers with the route it would use (`ip route get`).
    /// A directly connected gateway's answer has an interface and no gateway of its own.
    public static func lookup(_ address: IPAddress, sequence: UInt32, into out: inout [UInt8]) {
        RouteMessageBuilder.message(type: Netlink.getRoute, flags: Netlink.request, sequence: sequence, into: &out) { body in
            let prefix: IPPrefix
            switch address {
            case .v4(let a): prefix = .v4(IPv4Prefix(address: a, length: 32))
            case .v6(let a): prefix = .v6(IPv6Prefix(address: a, length: 128))
            }
            body.append(address.afi == .ipv6 ? Netlink.inet6 : Netlink.inet)
            body.append(prefix.length)
            body.append(contentsOf: repeatElement(0, count: 6))
            RouteMessageBuilder.append32(0, to: &body)  // rtm_flags
            RouteMessageBuilder.addressAttribute(Netlink.dst, prefix, into: &body)
        }
    }
}
