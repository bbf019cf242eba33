// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// The next-hop objects Peerlet owns in one network namespace, and the ids others hold. Pure: the route table
/// asks it for the object of a next-hop set, and it answers with an existing id or the objects to create first.
///
/// Objects are shared by every route with the same next hops, so there are few (one per gateway and one per ECMP
/// set); unused ones are deleted when the table is reconciled (`unused(referenced:)`) and all of them on a clean
/// stop. Objects of Peerlet's protocol found at start are adopted, so routes kept across a restart keep theirs.
public struct NextHopObjectTable: Sendable {
    /// Peerlet's protocol number.
    public let protocolNumber: UInt8
    /// Peerlet's objects by id.
    public private(set) var objects: [UInt32: NextHopObject] = [:]
    private var ids: [NextHopObject.Content: UInt32] = [:]
    /// Ids held by objects of other owners: never reused.
    private var taken: Set<UInt32> = []
    private var nextID: UInt32 = firstID
    /// Where Peerlet starts numbering: away from the small ids iproute2 users and FRR's zebra pick.
    public static let firstID: UInt32 = 0x5045_0000

    /// Creates an empty table.
    public init(protocolNumber: UInt8) { self.protocolNumber = protocolNumber }

    /// Replaces what the table knows with a dump of the kernel's objects: those of Peerlet's protocol are adopted,
    /// the ids of the rest are avoided.
    public mutating func load(_ dumped: [NextHopObject]) {
        objects = [:]
        ids = [:]
        taken = []
        for object in dumped {
            if object.protocolNumber == protocolNumber {
                objects[object.id] = object
                ids[object.content] = object.id
            } else {
                taken.insert(object.id)
            }
        }
    }

    /// The object for a next-hop set, with the objects to create first (members before their group). `nil` when
    /// the set cannot be an object — a hop without a gateway, a gateway whose interface is not in `interfaces`,
    /// or a group mixing IPv4 and IPv6 gateways — and the route is installed with its own next hops instead.
    public mutating func object(for hops: [KernelNextHop], interfaces: [IPAddress: UInt32]) -> (id: UInt32, created: [NextHopObject])? {
        guard !hops.isEmpty else { return nil }
        var members: [NextHopObject.Member] = []
        var created: [NextHopObject] = []
        var family: AFI?
        for hop in hops {
            guard let gateway = hop.gateway, let index = hop.interfaceIndex ?? interfaces[gateway] else { return nil }
            if let family, family != gateway.afi { return nil }
            family = gateway.afi
            let (id, new) = intern(.gateway(gateway, interfaceIndex: index))
            created += new
            members.append(NextHopObject.Member(id: id, weight: UInt16(max(hop.weight, 1))))
        }
        if hops.count == 1 { return (members[0].id, created) }
        let (id, new) = intern(.group(members.sorted()))
        return (id, created + new)
    }

    private mutating func intern(_ content: NextHopObject.Content) -> (UInt32, [NextHopObject]) {
        if let id = ids[content] { return (id, []) }
        while taken.contains(nextID) || objects[nextID] != nil || nextID == 0 { nextID &+= 1 }
        let object = NextHopObject(id: nextID, content: content, protocolNumber: protocolNumber)
        nextID &+= 1
        objects[object.id] = object
        ids[content] = object.id
        return (object.id, [object])
    }

    /// The existing object for a next-hop set, creating nothing.
    public func existing(for hops: [KernelNextHop], interfaces: [IPAddress: UInt32]) -> UInt32? {
        var members: [NextHopObject.Member] = []
        for hop in hops {
            guard let gateway = hop.gateway, let index = hop.interfaceIndex ?? interfaces[gateway],
                let id = ids[.gateway(gateway, interfaceIndex: index)]
            else { return nil }
            members.append(NextHopObject.Member(id: id, weight: UInt16(max(hop.weight, 1))))
        }
        if members.count == 1 { return members[0].id }
        return members.isEmpty ? nil : ids[.group(members.sorted())]
    }

    /// Whether a group of Peerlet's holds the object: deleting it would change that group's routes.
    public func isGroupMember(_ id: UInt32) -> Bool {
        objects.values.contains { object in
            if case .group(let members) = object.content { members.contains { $0.id == id } } else { false }
        }
    }

    /// Forgets objects (deleted, or never created because the kernel refused them).
    public mutating func forget(_ forgotten: [UInt32]) {
        for id in forgotten {
            guard let object = objects.removeValue(forKey: id) else { continue }
            ids[object.content] = nil
        }
    }

    /// Peerlet's objects that no route refers to (`referenced`: the ids of every route in the namespace), groups
    /// before their members, so they can be deleted in order. A member of a referenced group is in use.
    public func unused(referenced: Set<UInt32>) -> [NextHopObject] {
        var used = referenced
        for id in referenced {
            if case .group(let members)? = objects[id]?.content { used.formUnion(members.map(\.id)) }
        }
        let idle = objects.values.filter { !used.contains($0.id) }
        let groups = idle.filter { if case .group = $0.content { true } else { false } }
        return groups.sorted { $0.id < $1.id } + idle.filter { if case .gateway = $0.content { true } else { false } }.sorted { $0.id < $1.id }
    }

    /// The next hops of an object, as a route through it has them (for dumps that carry only `RTA_NH_ID`).
    public func nextHops(of id: UInt32) -> [KernelNextHop]? {
        switch objects[id]?.content {
        case .gateway(let address, let index)?: return [KernelNextHop(gateway: address, interfaceIndex: index)]
        case .group(let members)?:
            var hops: [KernelNextHop] = []
            for member in members {
                guard case .gateway(let address, let index)? = objects[member.id]?.content else { return nil }
                hops.append(KernelNextHop(gateway: address, interfaceIndex: index, weight: UInt8(clamping: member.weight)))
            }
            return hops.sorted()
        case nil: return nil
        }
    }
}
