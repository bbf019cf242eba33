// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire
import NIOCore
import PropertyBased
import Testing

@Suite struct UpdateBuilderTests {
    static let attributes = PathAttributes(
        origin: .igp, asPath: ASPath(sequence: [4_200_000_001, 65000]), nextHop: IPv4Address("192.0.2.1"),
        communities: [Community(65001, 100)], largeCommunities: [LargeCommunity(4_200_000_001, 1, 2)])

    static func decodeAll(_ messages: [ByteBuffer], context: CodecContext) throws -> [UpdateMessage] {
        try messages.map { message in
            #expect(message.readableBytes <= context.maximumMessageLength)
            var buffer = message
            let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: context.maximumMessageLength))
            #expect(buffer.readableBytes == 0)
            let (decoded, issues) = try BGPMessage.decode(frame, context: context)
            #expect(issues.isEmpty)
            guard case .update(let update) = decoded else { throw MessageError.badMessageType(0) }
            return update
        }
    }

    @Test func packingRoundTripsToTheSamePrefixes() async {
        await propertyCheck(count: 60, input: Gen<UInt64>.value()) { seed in
            var r = RoundTripPropertyTests.Random(state: seed)
            let context = [CodecContext(), CodecContext(addPath: [.ipv4Unicast, .ipv6Unicast]),
                           CodecContext(maximumMessageLength: 65535)][r.int(0...2)]
            let v6 = r.bool()
            let family: AddressFamily = v6 ? .ipv6Unicast : .ipv4Unicast
            let addPath = context.addPath.contains(family)
            let nlri = (0..<r.int(1...3000)).map { _ in
                NLRI(prefix: v6 ? .v6(RoundTripPropertyTests.prefix6(&r)) : .v4(RoundTripPropertyTests.prefix4(&r)),
                     pathID: addPath ? UInt32(r.int(0...9)) : nil)
            }
            let builder = UpdateBuilder(context: context)
            do {
                let announced = try Self.decodeAll(
                    builder.announcements(family: family, attributes: Self.attributes, nextHops: [IPAddress("2001:db8::1")!], nlri: nlri),
                    context: context)
                let got = announced.flatMap { $0.nlri + ($0.multiprotocolReach?.nlri ?? []) }
                #expect(got == nlri)
                for update in announced {
                    var expected = Self.attributes
                    if v6 { expected.nextHop = nil }
                    #expect(update.attributes == expected)
                }
                // As few messages as fit: every message but the last is nearly full.
                let sizes = builder.announcements(family: family, attributes: Self.attributes, nextHops: [IPAddress("2001:db8::1")!], nlri: nlri)
                    .map(\.readableBytes)
                #expect(sizes.dropLast().allSatisfy { $0 > context.maximumMessageLength - 22 })
                let withdrawn = try Self.decodeAll(builder.withdrawals(family: family, nlri: nlri), context: context)
                #expect(withdrawn.flatMap { $0.withdrawnRoutes + ($0.multiprotocolUnreach?.withdrawn ?? []) } == nlri)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func eightHundredHostRoutesPerFullUpdate() throws {
        // 4096 octets hold ~810 IPv4 /32s with a short attribute set (the benchmark's layout).
        let nlri = (0..<10_000).map { NLRI(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32($0)), length: 32)) }
        let messages = UpdateBuilder(context: CodecContext()).announcements(
            family: .ipv4Unicast, attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [65000]), nextHop: IPv4Address("192.0.2.1")), nlri: nlri)
        #expect(messages.count == 13)
    }
}

@Suite struct OversizedAttributeTests {
    @Test func attributesThatCannotFitProduceNoMessageInsteadOfLooping() {
        // 1200 ASNs: 4800+ octets of AS_PATH, more than a 4096-octet message can carry.
        let huge = PathAttributes(origin: .igp, asPath: ASPath(sequence: (1...1200).map { ASN(UInt32($0)) }), nextHop: IPv4Address("192.0.2.1"))
        let builder = UpdateBuilder(context: CodecContext())
        #expect(builder.announcements(family: .ipv4Unicast, attributes: huge, nlri: [NLRI(IPv4Prefix("10.0.0.0/8")!)]).isEmpty)
        #expect(builder.announcements(family: .ipv6Unicast, attributes: huge, nextHops: [IPAddress("2001:db8::1")!],
                                      nlri: [NLRI(IPv6Prefix("2001:db8::/32")!)]).isEmpty)
        // With Extended Message the same fits.
        let extended = UpdateBuilder(context: CodecContext(maximumMessageLength: 65535))
        #expect(extended.announcements(family: .ipv4Unicast, attributes: huge, nlri: [NLRI(IPv4Prefix("10.0.0.0/8")!)]).count == 1)
    }
}
