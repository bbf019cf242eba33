// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Testing

/// The pure bookkeeping of kernel next-hop objects: sharing, groups, adoption, foreign ids, release order.
@Suite struct NextHopObjectTableTests {
    static let a = IPAddress("10.0.1.1")!
    static let b = IPAddress("10.0.2.1")!
    static let v6 = IPAddress("fd00::1")!
    static let interfaces: [IPAddress: UInt32] = [a: 2, b: 3, v6: 2]
    static func hops(_ addresses: IPAddress...) -> [KernelNextHop] { addresses.map { KernelNextHop(gateway: $0) } }
    static func lookup(_ table: inout NextHopObjectTable, _ hops: [KernelNextHop], interfaces: [IPAddress: UInt32]) -> (id: UInt32, created: [NextHopObject])? {
        table.object(for: hops, interfaces: interfaces)
    }

    @Test func setsShareObjectsAndGroupsReuseMembers() throws {
        var table = NextHopObjectTable(protocolNumber: 186)
        let first = try #require(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces))
        #expect(first.created.map(\.content) == [.gateway(Self.a, interfaceIndex: 2)])
        #expect(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces)?.created == [])
        #expect(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces)?.id == first.id)
        // The pair needs the second gateway and the group; the first gateway is reused.
        let pair = try #require(Self.lookup(&table, Self.hops(Self.a, Self.b), interfaces: Self.interfaces))
        #expect(pair.created.count == 2)
        guard case .group(let members) = pair.created.last?.content else {
            Issue.record("no group")
            return
        }
        #expect(members.map(\.id).contains(first.id))
        #expect(table.nextHops(of: pair.id) == [KernelNextHop(gateway: Self.a, interfaceIndex: 2), KernelNextHop(gateway: Self.b, interfaceIndex: 3)])
    }

    @Test func whatCannotBeAnObjectIsNil() {
        var table = NextHopObjectTable(protocolNumber: 186)
        #expect(Self.lookup(&table, [KernelNextHop(gateway: nil, interfaceIndex: 2)], interfaces: Self.interfaces) == nil)
        #expect(Self.lookup(&table, Self.hops(IPAddress("192.0.2.1")!), interfaces: Self.interfaces) == nil)
        #expect(Self.lookup(&table, Self.hops(Self.a, Self.v6), interfaces: Self.interfaces) == nil)
        #expect(Self.lookup(&table, [], interfaces: Self.interfaces) == nil)
        // A pinned interface needs no lookup.
        #expect(Self.lookup(&table, [KernelNextHop(gateway: IPAddress("192.0.2.1"), interfaceIndex: 9)], interfaces: [:]) != nil)
    }

    @Test func loadAdoptsOursAndAvoidsForeignIds() throws {
        var table = NextHopObjectTable(protocolNumber: 186)
        let ours = NextHopObject(id: 77, content: .gateway(Self.a, interfaceIndex: 2), protocolNumber: 186)
        let foreign = NextHopObject(id: NextHopObjectTable.firstID, content: .gateway(Self.b, interfaceIndex: 3), protocolNumber: 4)
        table.load([ours, foreign])
        #expect(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces)?.id == 77)
        // The foreign object is not reused for the same content, and its id is skipped.
        let new = try #require(Self.lookup(&table, Self.hops(Self.b), interfaces: Self.interfaces))
        #expect(new.id == NextHopObjectTable.firstID + 1 && new.created.count == 1)
    }

    @Test func unusedListsGroupsBeforeMembersAndKeepsMembersOfUsedGroups() throws {
        var table = NextHopObjectTable(protocolNumber: 186)
        let single = try #require(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces))
        let pair = try #require(Self.lookup(&table, Self.hops(Self.a, Self.b), interfaces: Self.interfaces))
        #expect(table.unused(referenced: [pair.id]).isEmpty)  // the group keeps both members
        let idle = table.unused(referenced: [])
        #expect(idle.count == 3 && idle.first?.id == pair.id)
        #expect(table.unused(referenced: [single.id]).map(\.id).first == pair.id)
        table.forget(idle.map(\.id))
        #expect(table.objects.isEmpty)
        #expect(Self.lookup(&table, Self.hops(Self.a), interfaces: Self.interfaces)?.created.count == 1)
    }
}
