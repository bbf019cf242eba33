// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Foundation
import NetlinkMNL
import Testing

/// RTM_NEWADDR / RTM_DELADDR: recorded from this kernel (`ip addr add 10.96.0.10/32 dev svc0`,
/// `fd96::10/128 nodad`, then an RTM_GETADDR dump) and written by hand from linux/if_addr.h. No socket.
@Suite struct AddressMessageTests {
    static let hex = RouteMessageTests.hex
    static func recorded(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: NetlinkFuzzRegressionTests.directory.appendingPathComponent(name)))
    }

    @Test func recordedAddressesParse() throws {
        let v4 = try Self.recorded("FuzzNetlink-seed-recorded-newaddr-v4")
        let parsed4 = v4.withUnsafeBytes { AddressMessageParser.parse($0) }
        #expect(parsed4?.address.address == IPAddress("10.96.0.10") && parsed4?.address.prefixLength == 32)
        #expect(parsed4?.address.interfaceIndex == 3 && parsed4?.address.isGlobal == true && parsed4?.removed == false)
        let v6 = try Self.recorded("FuzzNetlink-seed-recorded-newaddr-v6")
        let parsed6 = v6.withUnsafeBytes { AddressMessageParser.parse($0) }
        #expect(parsed6?.address.address == IPAddress("fd96::10") && parsed6?.address.prefixLength == 128)
        #expect(parsed6?.address.hostPrefix == IPPrefix("fd96::10/128"))
    }

    @Test func deleteAndPointToPointUseTheLocalAddress() {
        // RTM_DELADDR, AF_INET /24 scope link (253) on index 7, IFA_ADDRESS 10.0.0.2 (the far end), IFA_LOCAL 10.0.0.1.
        let bytes = Self.hex("""
            28000000 1500 0000 01000000 00000000
            02 18 00 fd 07000000
            0800 0100 0a000002
            0800 0200 0a000001
            """)
        let parsed = bytes.withUnsafeBytes { AddressMessageParser.parse($0) }
        #expect(parsed?.removed == true)
        #expect(parsed?.address == KernelAddress(interfaceIndex: 7, address: IPAddress("10.0.0.1")!, prefixLength: 24, scope: 253))
        #expect(parsed?.address.isGlobal == false)
    }

    @Test func dumpRequestAndMalformedInput() {
        var out: [UInt8] = []
        RouteMessageBuilder.addressDumpRequest(sequence: 4, into: &out)
        #expect(out == Self.hex("18000000 1600 0103 04000000 00000000 00 00 00 00 00000000"))
        for input in [
            "18000000 1400 0000 01000000 00000000 02 21 00 00 01000000",  // /33 in IPv4
            "18000000 1400 0000 01000000 00000000 07 20 00 00 01000000",  // another family
            "1c000000 1400 0000 01000000 00000000 02 20 00 00 01000000 0800 01",  // cut attribute
            "18000000 1400 0000 01000000 00000000 02 20 00 00 01000000",  // no address
        ] {
            #expect(Self.hex(input).withUnsafeBytes { AddressMessageParser.parse($0) } == nil, "\(input)")
        }
    }
}
