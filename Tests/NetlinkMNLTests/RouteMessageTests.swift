// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import NetlinkMNL
import Testing

/// Netlink route messages byte for byte, written by hand from linux/netlink.h and linux/rtnetlink.h (host order is
/// little-endian on the machines Peerlet targets; addresses are in network order). No socket.
@Suite struct RouteMessageTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = text.filter(\.isHexDigit)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(digits[digits.index(digits.startIndex, offsetBy: $0)..<digits.index(digits.startIndex, offsetBy: $0 + 2)], radix: 16)!
        }
    }

    static let route = KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"))])

    @Test func installIsNewRouteWithCreateReplaceAck() {
        var out: [UInt8] = []
        RouteMessageBuilder.install(Self.route, sequence: 1, into: &out)
        #expect(out == Self.hex("""
            3c000000 1800 0505 01000000 00000000
            02 10 00 00 fe ba 00 01 00000000
            0800 0100 0a010000
            0800 0f00 fe000000
            0800 0600 14000000
            0800 0500 0a000101
            """))
    }

    @Test func createIsNewRouteWithCreateExclusiveAck() {
        var out: [UInt8] = []
        RouteMessageBuilder.install(Self.route, exclusive: true, sequence: 1, into: &out)
        // NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE = 0x0605: fails with EEXIST instead of replacing.
        #expect(out == Self.hex("""
            3c000000 1800 0506 01000000 00000000
            02 10 00 00 fe ba 00 01 00000000
            0800 0100 0a010000
            0800 0f00 fe000000
            0800 0600 14000000
            0800 0500 0a000101
            """))
    }

    @Test func removeNamesTheKeyAndProtocolWithoutNextHops() {
        var out: [UInt8] = []
        RouteMessageBuilder.remove(Self.route, sequence: 2, into: &out)
        #expect(out == Self.hex("""
            34000000 1900 0500 02000000 00000000
            02 10 00 00 fe ba ff 00 00000000
            0800 0100 0a010000
            0800 0f00 fe000000
            0800 0600 14000000
            """))
    }

    @Test func ecmpRouteUsesMultipath() {
        let ecmp = KernelRoute(
            prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.2.1")), KernelNextHop(gateway: IPAddress("10.0.1.1"))])
        var out: [UInt8] = []
        RouteMessageBuilder.install(ecmp, sequence: 3, into: &out)
        #expect(out == Self.hex("""
            58000000 1800 0505 03000000 00000000
            02 10 00 00 fe ba 00 01 00000000
            0800 0100 0a010000
            0800 0f00 fe000000
            0800 0600 14000000
            2400 0900
              1000 00 00 00000000 0800 0500 0a000101
              1000 00 00 00000000 0800 0500 0a000201
            """))
    }

    @Test func dumpRequest() {
        var out: [UInt8] = []
        RouteMessageBuilder.dumpRequest(ipv6: true, sequence: 9, into: &out)
        #expect(out == Self.hex("1c000000 1a00 0103 09000000 00000000 0a 00 00 00 00 00 00 00 00000000"))
    }

    @Test(arguments: [
        KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"))]),
        KernelRoute(prefix: IPPrefix("0.0.0.0/0")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"), interfaceIndex: 7)], metric: 100),
        KernelRoute(prefix: IPPrefix("10.244.1.7/32")!, nextHops: [KernelNextHop(gateway: nil, interfaceIndex: 12)], protocolNumber: 4),
        KernelRoute(prefix: IPPrefix("2001:db8::/32")!, nextHops: [KernelNextHop(gateway: IPAddress("fd00::1")), KernelNextHop(gateway: IPAddress("fd00::2"), weight: 3)]),
        KernelRoute(prefix: IPPrefix("10.9.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("fe80::1"), interfaceIndex: 3)], table: 1000),
        KernelRoute(prefix: IPPrefix("10.244.0.0/16")!, nextHops: [], type: .unreachable),
    ])
    func parsingWhatWeBuildGivesTheRouteBack(route: KernelRoute) {
        var out: [UInt8] = []
        RouteMessageBuilder.install(route, sequence: 1, into: &out)
        let parsed = out.withUnsafeBytes { RouteMessageParser.parse($0) }
        #expect(parsed == route)
    }

    @Test func truncatedOrForeignInputIsRejectedNotTrapped() {
        var out: [UInt8] = []
        RouteMessageBuilder.install(Self.route, sequence: 1, into: &out)
        for cut in 0..<out.count {
            let prefix = Array(out[..<cut])
            _ = prefix.withUnsafeBytes { RouteMessageParser.parse($0) }
        }
        var wrongType = out
        wrongType[4] = 25
        #expect(wrongType.withUnsafeBytes { RouteMessageParser.parse($0) } == nil)
    }
}
