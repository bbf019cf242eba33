// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import PropertyBased
import Testing

@Suite struct AddressTests {
    @Test(arguments: [
        ("0.0.0.0", 0), ("192.0.2.1", 0xC000_0201), ("255.255.255.255", 0xFFFF_FFFF), ("10.1.2.3", 0x0A01_0203),
    ] as [(String, UInt32)])
    func ipv4Parses(text: String, value: UInt32) {
        #expect(IPv4Address(text)?.rawValue == value)
        #expect(IPv4Address(rawValue: value).description == text)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4/32", " 1.2.3.4", "1234.1.1.1"])
    func ipv4Rejects(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("fe80::1:2", "fe80::1:2"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("fd00:210:1::2", "fd00:210:1::2"),
    ])
    func ipv6CanonicalText(input: String, canonical: String) {
        // RFC 5952 §4: lower case, the longest zero run compressed, the first on a tie.
        #expect(IPv6Address(input)?.description == canonical)
    }

    @Test(arguments: [":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "1:2:3:4:5:6:7", "::1.2.3", "1:"])
    func ipv6Rejects(text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test func ipv6RoundTripsThroughText() async {
        await propertyCheck(count: 500, input: Gen<UInt64>.value(), Gen<UInt64>.value(), Gen<Int>.value(in: 0...7)) { h, l, zeroMask in
            // Zero some groups so that compression is exercised.
            var high = h
            var low = l
            if zeroMask & 1 != 0 { high &= 0xFFFF_0000_0000_FFFF }
            if zeroMask & 2 != 0 { low &= 0x0000_0000_FFFF_FFFF }
            if zeroMask & 4 != 0 { high = 0 }
            let address = IPv6Address(high: high, low: low)
            #expect(IPv6Address(address.description) == address)
        }
    }

    @Test func prefixesAreCanonicalised() {
        #expect(IPv4Prefix("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(IPv4Prefix("10.1.2.3/8") == IPv4Prefix("10.0.0.0/8"))
        #expect(IPv4Prefix("0.0.0.0/0")?.description == "0.0.0.0/0")
        #expect(IPv4Prefix("10.1.2.3")?.length == 32)
        #expect(IPv4Prefix("10.0.0.0/33") == nil)
        #expect(IPv6Prefix("2001:db8::1/32")?.description == "2001:db8::/32")
        #expect(IPv6Prefix("2001:db8:ffff:ffff:ffff::1/65")?.description == "2001:db8:ffff:ffff:8000::/65")
        #expect(IPv6Prefix("::/129") == nil)
        #expect(IPPrefix("fd00::/8") == .v6(IPv6Prefix("fd00::/8")!))
    }

    @Test func prefixCanonicalisationIsIdempotentAndContains() async {
        await propertyCheck(count: 500, input: Gen<UInt32>.value(), Gen<UInt8>.value(in: 0...32)) { raw, length in
            let prefix = IPv4Prefix(address: IPv4Address(rawValue: raw), length: length)
            #expect(IPv4Prefix(address: prefix.address, length: length) == prefix)
            #expect(prefix.contains(IPv4Address(rawValue: raw)))
            #expect(IPv4Prefix(prefix.description) == prefix)
        }
    }

    @Test func asnParsesPlainAndAsdot() {
        #expect(ASN("65000") == 65000)
        #expect(ASN("4200000001") == 4_200_000_001)
        #expect(ASN("64086.59904") == 4_200_000_000)
        #expect(ASN("4294967296") == nil)
        #expect(ASN(4_200_000_001).twoOctetRepresentation == 23456)
        #expect(ASN(65001).twoOctetRepresentation == 65001)
        #expect(ASN(4_200_000_001).isPrivate)
    }

    @Test func asPathLengthFollowsTheDecisionRules() {
        let path = ASPath(segments: [
            ASPathSegment(type: .confedSequence, asns: [65100, 65101]),
            ASPathSegment(type: .asSequence, asns: [65001, 65002]),
            ASPathSegment(type: .asSet, asns: [65003, 65004, 65005]),
        ])
        // RFC 4271 §9.1.2.2 a: a set counts one; RFC 5065: confederation segments count zero.
        #expect(path.decisionLength == 3)
        #expect(path.firstASN == nil)
        #expect(ASPath(sequence: [65001, 65002]).firstASN == 65001)
        #expect(path.description == "(65100 65101) 65001 65002 {65003 65004 65005}")
        #expect(ASPath(sequence: [65002]).prepending(65001, count: 2).description == "65001 65001 65002")
    }

    @Test func communitiesParseAndPrint() {
        #expect(Community("65001:100")?.rawValue == 0xFDE9_0064)
        #expect(Community("no-export") == .noExport)
        #expect(Community.noExport.description == "no-export")
        #expect(Community("65536:1") == nil)
        #expect(LargeCommunity("4200000001:1:2")?.description == "4200000001:1:2")
        #expect(ExtendedCommunity("rt:65001:100")?.description == "rt:65001:100")
        #expect(ExtendedCommunity("rt:4200000001:100")?.description == "rt:4200000001:100")
        #expect(ExtendedCommunity(rawValue: 0x0102_0304_0506_0708).description == "0x0102030405060708")
    }
}
