// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import NetlinkMNL
import Testing

/// Next-hop object messages byte for byte, written by hand from linux/nexthop.h and linux/rtnetlink.h (struct
/// nhmsg: family, scope, protocol, reserved, u32 flags; NHA_ID 1, NHA_GROUP 2, NHA_OIF 5, NHA_GATEWAY 6; RTA_NH_ID
/// 30). No socket; the real kernel's view is checked in KernelRouteTableTests.
@Suite struct NextHopMessageTests {
    static let hex = RouteMessageTests.hex
    static let gateway = NextHopObject(id: 0x5045_0000, content: .gateway(IPAddress("10.0.1.1")!, interfaceIndex: 3), protocolNumber: 186)
    static let group = NextHopObject(
        id: 0x5045_0002, content: .group([.init(id: 0x5045_0000), .init(id: 0x5045_0001, weight: 3)]), protocolNumber: 186)

    @Test func gatewayObjectIsNewNextHopWithIdInterfaceAndGateway() {
        var out: [UInt8] = []
        NextHopMessageBuilder.install(Self.gateway, sequence: 7, into: &out)
        #expect(out == Self.hex("""
            30000000 6800 0505 07000000 00000000
            02 00 ba 00 00000000
            0800 0100 00004550
            0800 0500 03000000
            0800 0600 0a000101
            """))
    }

    @Test func ipv6GatewayObjectHasFamilyInet6() {
        var out: [UInt8] = []
        let object = NextHopObject(id: 9, content: .gateway(IPAddress("fd00::2")!, interfaceIndex: 4), protocolNumber: 186)
        NextHopMessageBuilder.install(object, sequence: 1, into: &out)
        #expect(out == Self.hex("""
            3c000000 6800 0505 01000000 00000000
            0a 00 ba 00 00000000
            0800 0100 09000000
            0800 0500 04000000
            1400 0600 fd000000 00000000 00000000 00000002
            """))
    }

    @Test func groupObjectCarriesMembersWithWeightMinusOne() {
        var out: [UInt8] = []
        NextHopMessageBuilder.install(Self.group, sequence: 8, into: &out)
        #expect(out == Self.hex("""
            34000000 6800 0505 08000000 00000000
            00 00 ba 00 00000000
            0800 0100 02004550
            1400 0200 00004550 00 00 0000 01004550 02 00 0000
            """))
    }

    @Test func deleteDumpAndLookup() {
        var out: [UInt8] = []
        NextHopMessageBuilder.remove(id: 0x5045_0000, sequence: 2, into: &out)
        #expect(out == Self.hex("20000000 6900 0500 02000000 00000000 00 00 00 00 00000000 0800 0100 00004550"))
        out = []
        NextHopMessageBuilder.dumpRequest(sequence: 3, into: &out)
        #expect(out == Self.hex("18000000 6a00 0103 03000000 00000000 00 00 00 00 00000000"))
        out = []
        NextHopMessageBuilder.lookup(IPAddress("10.0.1.1")!, sequence: 4, into: &out)
        #expect(out == Self.hex("24000000 1a00 0100 04000000 00000000 02 20 00 00 00 00 00 00 00000000 0800 0100 0a000101"))
    }

    @Test func routeThroughAnObjectCarriesOnlyItsId() {
        var out: [UInt8] = []
        RouteMessageBuilder.install(RouteMessageTests.route, nextHopObject: 0x5045_0000, sequence: 1, into: &out)
        #expect(out == Self.hex("""
            3c000000 1800 0505 01000000 00000000
            02 10 00 00 fe ba 00 01 00000000
            0800 0100 0a010000
            0800 0f00 fe000000
            0800 0600 14000000
            0800 1e00 00004550
            """))
        #expect(out.withUnsafeBytes { NextHopMessageParser.nextHopID(ofRoute: $0) } == 0x5045_0000)
    }

    /// What the kernel sends in a dump (the message above with the reply type, and the group type attribute the
    /// kernel adds) parses back to the object.
    @Test func dumpRepliesParseBack() {
        for object in [Self.gateway, Self.group] {
            var out: [UInt8] = []
            NextHopMessageBuilder.install(object, sequence: 1, into: &out)
            out[6] = 0x02  // flags: NLM_F_MULTI
            out[7] = 0x00
            if case .group = object.content { out += Self.hex("0600 0300 0000 0000") }  // NHA_GROUP_TYPE mpath + pad
            out[0] = UInt8(out.count)
            #expect(out.withUnsafeBytes { NextHopMessageParser.parse($0) } == object)
        }
    }

    @Test func unmodelledAndMalformedObjectsAreNilNotTraps() {
        // A blackhole object (NHA_BLACKHOLE), a resilient group (NHA_GROUP_TYPE 1), a group of 7 octets, truncated.
        let inputs = [
            "1c000000 6800 0200 01000000 00000000 02 00 ba 00 00000000 0800 0100 01000000 0400 0400",
            "28000000 6800 0200 01000000 00000000 00 00 ba 00 00000000 0800 0100 01000000 0c00 0200 02000000 00000000 0600 0300 0100 0000",
            "24000000 6800 0200 01000000 00000000 00 00 ba 00 00000000 0800 0100 01000000 0b00 0200 02000000 000000 00",
            "30000000 6800 0200 01000000 00000000 02 00 ba 00",
        ]
        for input in inputs {
            #expect(Self.hex(input).withUnsafeBytes { NextHopMessageParser.parse($0) } == nil, "\(input)")
        }
    }
}
