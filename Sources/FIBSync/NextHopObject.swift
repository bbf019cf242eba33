// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A kernel next-hop object (Linux 5.3+, `RTM_NEWNEXTHOP`, linux/nexthop.h): a gateway on an interface, or a
/// group of such objects for ECMP. Routes refer to one by id (`RTA_NH_ID`) instead of carrying their own next
/// hops, so the kernel keeps one copy for all of them: a full table installs much faster, and moving every route
/// of a next hop is one message.
public struct NextHopObject: Hashable, Sendable, CustomStringConvertible {
    /// What an object forwards to.
    public enum Content: Hashable, Sendable {
        /// A gateway reached through an interface (`NHA_GATEWAY`, `NHA_OIF`).
        case gateway(IPAddress, interfaceIndex: UInt32)
        /// A multipath group of other objects (`NHA_GROUP`), sorted by id.
        case group([Member])
    }

    /// A group's member: an object id and its weight (1 = equal share).
    public struct Member: Hashable, Sendable, Comparable {
        /// The member object's id.
        public var id: UInt32
        /// Its weight, 1 or more.
        public var weight: UInt16

        /// Creates a member.
        public init(id: UInt32, weight: UInt16 = 1) {
            self.id = id
            self.weight = weight
        }

        public static func < (lhs: Member, rhs: Member) -> Bool { (lhs.id, lhs.weight) < (rhs.id, rhs.weight) }
    }

    /// The object's id (`NHA_ID`), unique in the network namespace.
    public var id: UInt32
    /// What it forwards to.
    public var content: Content
    /// Who owns it (`nh_protocol`): Peerlet only ever changes or deletes objects of its own protocol number.
    public var protocolNumber: UInt8

    /// Creates an object.
    public init(id: UInt32, content: Content, protocolNumber: UInt8) {
        self.id = id
        self.content = content
        self.protocolNumber = protocolNumber
    }

    public var description: String {
        switch content {
        case .gateway(let address, let index): "nexthop \(id) via \(address) dev #\(index) proto \(protocolNumber)"
        case .group(let members):
            "nexthop \(id) group \(members.map { $0.weight == 1 ? "\($0.id)" : "\($0.id),\($0.weight)" }.joined(separator: "/")) proto \(protocolNumber)"
        }
    }
}
