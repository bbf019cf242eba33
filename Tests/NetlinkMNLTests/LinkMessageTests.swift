// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import FIBSync
import NetlinkMNL
import Testing

/// Link messages: one recorded from this kernel (`ip link add wl0 type veth peer name cali7f3a`, then RTM_GETLINK
/// for `cali7f3a`: index 2, flags UP|BROADCAST|MULTICAST), and ipvlan ones written by hand from linux/if_link.h
/// because this kernel has no ipvlan module. No socket.
@Suite struct LinkMessageTests {
    static let recordedVeth = RouteMessageTests.hex("""
        dc0500001000000001000000f4640000000001000200000003100000000000000d00030063616c693766336100000000
        08000d00e803000005001000030000000500110000000000050043000000000008000400dc0500000800320044000000
        08003300ffff000008001b000000000008001e000000000008003d000000000008001f000200000008002800ffff0000
        080029000000010008003a000000010008003f0000000100080040000000010008003b00f8ff070008003c00ffff0000
        080042000000000008002000020000000500210000000000080023000100000008002f00000000000800300001000000
        0600440000000000060045000000000005002700000000000a000100964ab744ed7d00000a000200ffffffffffff0000
        cc0017000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000640007000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000c002b0005000200000000001000120009000100766574680000000008000500
        030000000c0006006e6f71756575650030031a008c000200880001000000000000000000000000000100000001000000
        010000000100000000000000010000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000000000000000000010270000e803000000000000
        00000000000000000000000001000000a0020a00080001000000000014000500ffff000098600a0000a70000e8030000
        f40002000000000040000000dc05000001000000010000000100000001000000ffffffffa00f0000e803000000000000
        803a0900805101000300000058020000100000000000000001000000010000000100000060ea00000000000000000000
        0000000000000000000000000000000001000000000000000000000010270000e8030000010000000000000000000000
        010000000000000000000000010000000000000000000000000000000000000080ee3600000000000000000001000000
        00000000000000000000000000000000000000000004000000000000ffff0000ffffffff010000000000000000000000
        000000003401030026000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000003c0006000700000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000000000000000140007000000000000000000
        0000000000000000050008000000000024000e0000000000000000000000000000000000000000000000000000000000
        0000000004003e8004004180
        """)

    static func parse(_ bytes: [UInt8]) -> LinkMessageParser.Message? {
        bytes.withUnsafeBytes { LinkMessageParser.parse($0) }
    }

    /// RTM_NEWLINK for index 7, flags `flags`, IFLA_IFNAME "ipvl0", IFLA_LINKINFO { kind "ipvlan", data { mode } }.
    static func ipvlan(mode: UInt16, flags: UInt32 = 1) -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0, 7, 0, 0, 0]
        body += withUnsafeBytes(of: flags.littleEndian, Array.init) + [0, 0, 0, 0]
        body += [12, 0, 3, 0] + Array("ipvl0".utf8) + [0, 0, 0]  // IFLA_IFNAME, padded
        // IFLA_LINKINFO (nested flag set, as the kernel sends it): kind (4+7 -> 12) + data (4 + mode attr 8) = 4+12+12
        body += [28, 0, 18, 0x80] + [11, 0, 1, 0] + Array("ipvlan".utf8) + [0, 0] + [12, 0, 2, 0x80] + [6, 0, 1, 0]
        body += withUnsafeBytes(of: mode.littleEndian, Array.init) + [0, 0]
        let length = UInt32(16 + body.count)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + [16, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0] + body
    }

    @Test func recordedVethIsAnUpLinkWithItsNameAndKind() {
        #expect(Self.parse(Self.recordedVeth) == .link(KernelLink(index: 2, name: "cali7f3a", kind: "veth", isUp: true)))
    }

    @Test func ipvlanL3IsRecognisedAndL2IsNot() {
        guard case .link(let l3) = Self.parse(Self.ipvlan(mode: 1)) else {
            Issue.record("ipvlan L3 not parsed")
            return
        }
        #expect(l3 == KernelLink(index: 7, name: "ipvl0", kind: "ipvlan", ipvlanMode: .l3, isUp: true))
        #expect(l3.isIPVLANL3)
        guard case .link(let l2) = Self.parse(Self.ipvlan(mode: 0)) else {
            Issue.record("ipvlan L2 not parsed")
            return
        }
        #expect(l2.ipvlanMode == .l2)
        #expect(!l2.isIPVLANL3)
        guard case .link(let down) = Self.parse(Self.ipvlan(mode: 1, flags: 0)) else {
            Issue.record("down link not parsed")
            return
        }
        #expect(!down.isUp)
    }

    @Test func deleteLinkNamesTheIndex() {
        var message = Self.ipvlan(mode: 1)
        message[4] = 17  // RTM_DELLINK
        #expect(Self.parse(message) == .removed(index: 7))
    }

    @Test func everyTruncationAndOtherTypesAreRejectedWithoutTrapping() {
        let message = Self.ipvlan(mode: 1)
        for cut in 0..<message.count {
            var truncated = Array(message[0..<cut])
            // Keep the header's length honest so that the attribute walk itself sees the truncation.
            if cut >= 4 { truncated.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(cut).littleEndian, Array.init)) }
            let parsed = Self.parse(truncated)
            // A cut that drops whole trailing attributes still parses; a cut inside one must not.
            if case .link(let link) = parsed { #expect(link.index == 7) }
        }
        var route = message
        route[4] = 24  // RTM_NEWROUTE
        #expect(Self.parse(route) == nil)
        var corrupt = message
        corrupt[32] = 200  // IFLA_IFNAME length past the end
        #expect(Self.parse(corrupt) == nil)
    }
}
