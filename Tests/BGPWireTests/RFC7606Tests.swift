// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire
import NIOCore
import Testing

/// RFC 7606: every malformed attribute is classified as data; only session resets are thrown.
@Suite struct RFC7606Tests {
    static let origin: [UInt8] = [0x40, 1, 1, 0]
    static let asPath: [UInt8] = [0x40, 2, 6, 2, 1, 0xFA, 0x56, 0xEA, 0x02]
    static let nextHop: [UInt8] = [0x40, 3, 4, 192, 0, 2, 1]
    static let nlri: [UInt8] = [24, 10, 0, 1]

    /// Decodes an UPDATE body made of `attributes` and `nlri`.
    static func decode(_ attributes: [UInt8], nlri: [UInt8] = nlri, context: CodecContext = CodecContext()) throws -> DecodedUpdate {
        let body = [0, 0, UInt8(attributes.count >> 8), UInt8(attributes.count & 0xFF)] + attributes + nlri
        return try UpdateMessage.decode(body: ByteBuffer(bytes: body), context: context)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var attributes: [UInt8]
        var handling: ErrorHandling
        var code: UInt8
        var subcode: UInt8
        var context = CodecContext()
        var testDescription: String { name }
    }

    static let mandatory = origin + asPath + nextHop
    static let cases: [Case] = [
        Case(name: "§7.1 ORIGIN length 2", attributes: [0x40, 1, 2, 0, 0] + asPath + nextHop, handling: .treatAsWithdraw, code: 1, subcode: 5),
        Case(name: "§7.1 ORIGIN value 3", attributes: [0x40, 1, 1, 3] + asPath + nextHop, handling: .treatAsWithdraw, code: 1, subcode: 6),
        Case(name: "§7.2 AS_PATH unknown segment type", attributes: origin + [0x40, 2, 6, 9, 1, 0, 0, 0, 1] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "§7.2 AS_PATH zero-length segment", attributes: origin + [0x40, 2, 2, 2, 0] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "§7.2 AS_PATH overrun", attributes: origin + [0x40, 2, 6, 2, 2, 0, 0, 0, 1] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "§7.2 AS_PATH one octet left", attributes: origin + [0x40, 2, 7, 2, 1, 0, 0, 0, 1, 2] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "RFC 7607 AS 0 in AS_PATH", attributes: origin + [0x40, 2, 6, 2, 1, 0, 0, 0, 0] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "§7.2 confederation segment from eBGP", attributes: origin + [0x40, 2, 6, 3, 1, 0, 0, 0, 1] + nextHop, handling: .treatAsWithdraw, code: 2, subcode: 11),
        Case(name: "§7.3 NEXT_HOP length 5", attributes: origin + asPath + [0x40, 3, 5, 1, 2, 3, 4, 5], handling: .treatAsWithdraw, code: 3, subcode: 5),
        Case(name: "§7.3 NEXT_HOP multicast", attributes: origin + asPath + [0x40, 3, 4, 224, 0, 0, 1], handling: .treatAsWithdraw, code: 3, subcode: 8),
        Case(name: "§7.4 MED length 3", attributes: mandatory + [0x80, 4, 3, 0, 0, 1], handling: .treatAsWithdraw, code: 4, subcode: 5),
        Case(name: "§7.5 LOCAL_PREF from eBGP", attributes: mandatory + [0x40, 5, 4, 0, 0, 0, 100], handling: .attributeDiscard, code: 5, subcode: 5),
        Case(
            name: "§7.5 LOCAL_PREF length 2 from iBGP", attributes: [0x40, 1, 1, 0, 0x40, 2, 0] + nextHop + [0x40, 5, 2, 0, 1],
            handling: .treatAsWithdraw, code: 5, subcode: 5, context: CodecContext(externalPeer: false)),
        Case(name: "§7.6 ATOMIC_AGGREGATE length 1", attributes: mandatory + [0x40, 6, 1, 0], handling: .attributeDiscard, code: 6, subcode: 5),
        Case(name: "§7.7 AGGREGATOR length 7", attributes: mandatory + [0xC0, 7, 7, 0, 0, 0, 1, 1, 2, 3], handling: .attributeDiscard, code: 7, subcode: 5),
        Case(name: "§7.8 COMMUNITIES length 5", attributes: mandatory + [0xC0, 8, 5, 0, 0, 0, 1, 1], handling: .treatAsWithdraw, code: 8, subcode: 9),
        Case(name: "§7.8 COMMUNITIES length 0", attributes: mandatory + [0xC0, 8, 0], handling: .treatAsWithdraw, code: 8, subcode: 9),
        Case(name: "§7.9 ORIGINATOR_ID length 3", attributes: mandatory + [0x80, 9, 3, 1, 2, 3], handling: .treatAsWithdraw, code: 9, subcode: 5),
        Case(name: "§7.10 CLUSTER_LIST length 6", attributes: mandatory + [0x80, 10, 6, 1, 2, 3, 4, 5, 6], handling: .treatAsWithdraw, code: 10, subcode: 5),
        Case(name: "§7.14 EXTENDED COMMUNITIES length 7", attributes: mandatory + [0xC0, 16, 7, 0, 0, 0, 0, 0, 0, 0], handling: .treatAsWithdraw, code: 16, subcode: 9),
        Case(name: "RFC 8092 LARGE_COMMUNITY length 11", attributes: mandatory + [0xC0, 32, 11] + [UInt8](repeating: 0, count: 11), handling: .treatAsWithdraw, code: 32, subcode: 9),
        Case(name: "RFC 9234 OTC length 2", attributes: mandatory + [0xC0, 35, 2, 0, 1], handling: .treatAsWithdraw, code: 35, subcode: 9),
        Case(name: "§3.c ORIGIN marked optional", attributes: [0xC0, 1, 1, 0] + asPath + nextHop, handling: .treatAsWithdraw, code: 1, subcode: 4),
        Case(name: "§3.c MED marked transitive", attributes: mandatory + [0xC0, 4, 4, 0, 0, 0, 1], handling: .treatAsWithdraw, code: 4, subcode: 4),
        Case(name: "§3.d ORIGIN missing", attributes: asPath + nextHop, handling: .treatAsWithdraw, code: 1, subcode: 3),
        Case(name: "§3.d NEXT_HOP missing", attributes: origin + asPath, handling: .treatAsWithdraw, code: 3, subcode: 3),
        Case(name: "§3.g repeated COMMUNITIES", attributes: mandatory + [0xC0, 8, 4, 0, 0, 0, 1, 0xC0, 8, 4, 0, 0, 0, 2], handling: .attributeDiscard, code: 8, subcode: 1),
        Case(name: "§4 attribute overruns the field", attributes: mandatory + [0xC0, 8, 9, 0, 0, 0, 1], handling: .treatAsWithdraw, code: 8, subcode: 1),
        Case(name: "RFC 6793 AS4_PATH between 4-octet speakers", attributes: mandatory + [0xC0, 17, 6, 2, 1, 0, 0, 0, 1], handling: .attributeDiscard, code: 17, subcode: 9),
        Case(
            name: "§7.11 MP_REACH next hop length 15", attributes: origin + asPath + [0x80, 14, 20, 0, 2, 1, 15] + [UInt8](repeating: 0, count: 16),
            handling: .afiSafiDisable(.ipv6Unicast), code: 14, subcode: 9),
    ]

    @Test(arguments: cases)
    func malformedAttributesAreClassified(c: Case) throws {
        let decoded = try Self.decode(c.attributes, context: c.context)
        let issue = try #require(decoded.issues.first { $0.attributeCode == c.code })
        #expect(issue.handling == c.handling)
        #expect(issue.error.code == .updateMessageError)
        #expect(issue.error.subcode == c.subcode)
        #expect(decoded.handling == c.handling)
    }

    @Test func treatAsWithdrawTurnsAnnouncementsIntoWithdrawals() throws {
        let decoded = try Self.decode([0x40, 1, 1, 9] + Self.asPath + Self.nextHop)
        #expect(decoded.handling == .treatAsWithdraw)
        let withdrawals = decoded.message.treatedAsWithdraw()
        #expect(withdrawals.count == 1)
        #expect(withdrawals[0].withdrawnRoutes == [NLRI(IPv4Prefix("10.0.1.0/24")!)])
        #expect(withdrawals[0].nlri.isEmpty)
        #expect(withdrawals[0].attributes.isEmpty)
    }

    @Test func discardedAttributeLeavesTheRestOfTheUpdate() throws {
        let decoded = try Self.decode(Self.mandatory + [0x40, 5, 4, 0, 0, 0, 100, 0xC0, 8, 4, 0xFD, 0xE9, 0, 1])
        #expect(decoded.handling == .attributeDiscard)
        #expect(decoded.message.attributes.localPreference == nil)
        #expect(decoded.message.attributes.communities == [Community(65001, 1)])
        #expect(decoded.message.nlri == [NLRI(IPv4Prefix("10.0.1.0/24")!)])
    }

    @Test func repeatedAttributeKeepsTheFirst() throws {
        let decoded = try Self.decode(Self.mandatory + [0xC0, 8, 4, 0, 0, 0, 1, 0xC0, 8, 4, 0, 0, 0, 2])
        #expect(decoded.message.attributes.communities == [Community(rawValue: 1)])
    }

    @Test func missingAttributesDoNotMatterWithoutNLRI() throws {
        let decoded = try Self.decode(Self.asPath, nlri: [])
        #expect(decoded.issues.isEmpty)
        // MP_UNREACH alone needs no other attribute (RFC 7606 §5.2).
        let unreach = try Self.decode([0x80, 15, 3, 0, 2, 1], nlri: [])
        #expect(unreach.issues.isEmpty)
        #expect(unreach.message.endOfRIB == .ipv6Unicast)
    }

    @Test func nextHopIsNotRequiredForMPReachOnly() throws {
        let reach: [UInt8] = [0x80, 14, 26, 0, 2, 1, 16] + IPv6Address("2001:db8::1")!.bytes + [0, 32, 0x20, 0x01, 0x0D, 0xB8]
        let decoded = try Self.decode(Self.origin + Self.asPath + reach, nlri: [])
        #expect(decoded.issues.isEmpty)
        #expect(decoded.message.multiprotocolReach?.nlri == [NLRI(IPv6Prefix("2001:db8::/32")!)])
    }

    @Test func unknownOptionalAttributes() throws {
        // Optional transitive: kept with Partial set. Optional non-transitive: dropped quietly.
        let decoded = try Self.decode(Self.mandatory + [0xC0, 200, 1, 5, 0x80, 201, 1, 6])
        #expect(decoded.issues.isEmpty)
        #expect(decoded.message.attributes.unknown == [RawPathAttribute(flags: 0xE0, code: 200, value: [5])])
    }

    @Test func fourOctetAttributesAreIgnoredWhenAggregatorIsNotASTrans() throws {
        // RFC 6793 §4.2.3: AGGREGATOR with a real AS means AS4_PATH and AS4_AGGREGATOR are ignored.
        let twoOctet = CodecContext(fourOctetASN: false)
        let attributes: [UInt8] = [0x40, 1, 1, 0, 0x40, 2, 4, 2, 1, 0xFD, 0xE9] + Self.nextHop + [0xC0, 7, 6, 0xFD, 0xE9, 1, 2, 3, 4]
            + [0xC0, 17, 6, 2, 1, 0xFA, 0x56, 0xEA, 0x02]
        let decoded = try Self.decode(attributes, context: twoOctet)
        #expect(decoded.message.attributes.asPath == ASPath(sequence: [65001]))
        #expect(decoded.message.attributes.aggregator?.asn == 65001)
    }

    @Test func as4PathLongerThanASPathIsIgnored() throws {
        let twoOctet = CodecContext(fourOctetASN: false)
        let attributes: [UInt8] = [0x40, 1, 1, 0, 0x40, 2, 4, 2, 1, 0x5B, 0xA0] + Self.nextHop
            + [0xC0, 17, 10, 2, 2, 0xFA, 0x56, 0xEA, 0x02, 0xFA, 0x56, 0xEA, 0x03]
        let decoded = try Self.decode(attributes, context: twoOctet)
        #expect(decoded.message.attributes.asPath == ASPath(sequence: [23456]))
    }
}

extension IPv6Address {
    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }
}
