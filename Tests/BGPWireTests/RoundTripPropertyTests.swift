// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPTestSupport
import BGPWire
import NIOCore
import PropertyBased
import Testing

/// decode(encode(m)) == m for random messages in every codec context.
@Suite struct RoundTripPropertyTests {
    typealias Random = SplitMix64

    static func prefix4(_ r: inout Random) -> IPv4Prefix {
        IPv4Prefix(address: IPv4Address(rawValue: r.u32()), length: UInt8(r.int(0...32)))
    }

    static func prefix6(_ r: inout Random) -> IPv6Prefix {
        IPv6Prefix(address: IPv6Address(high: r.next(), low: r.next()), length: UInt8(r.int(0...128)))
    }

    static func nlri(_ r: inout Random, v6: Bool, addPath: Bool, count: Int) -> [NLRI] {
        (0..<count).map { _ in
            NLRI(prefix: v6 ? .v6(prefix6(&r)) : .v4(prefix4(&r)), pathID: addPath ? UInt32.random(in: 0...UInt32.max, using: &r) : nil)
        }
    }

    static func asPath(_ r: inout Random, external: Bool) -> ASPath {
        var segments: [ASPathSegment] = []
        for _ in 0..<r.int(0...3) {
            let types: [ASPathSegmentType] = external ? [.asSequence, .asSet] : [.asSequence, .asSet, .confedSequence, .confedSet]
            let type = types[r.int(0...types.count - 1)]
            segments.append(ASPathSegment(type: type, asns: (0..<r.int(1...255)).map { _ in ASN(r.u32()) }))
        }
        return ASPath(segments: segments)
    }

    static func update(_ r: inout Random, context: CodecContext) -> UpdateMessage {
        let add4 = context.addPath.contains(.ipv4Unicast)
        let add6 = context.addPath.contains(.ipv6Unicast)
        var a = PathAttributes()
        a.origin = Origin(rawValue: UInt8(r.int(0...2)))
        a.asPath = asPath(&r, external: context.externalPeer)
        a.nextHop = IPv4Address(rawValue: UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &r))
        if r.bool() { a.multiExitDiscriminator = UInt32.random(in: 0...UInt32.max, using: &r) }
        if !context.externalPeer, r.bool() { a.localPreference = UInt32.random(in: 0...UInt32.max, using: &r) }
        a.atomicAggregate = r.bool()
        if r.bool() { a.aggregator = Aggregator(asn: ASN(r.u32()), address: IPv4Address(rawValue: r.u32())) }
        a.communities = (0..<r.int(0...5)).map { _ in Community(rawValue: r.u32()) }
        if r.bool() { a.originatorID = RouterID(rawValue: r.u32()) }
        a.clusterList = (0..<r.int(0...3)).map { _ in RouterID(rawValue: r.u32()) }
        a.extendedCommunities = (0..<r.int(0...3)).map { _ in ExtendedCommunity(rawValue: r.next()) }
        a.largeCommunities = (0..<r.int(0...3)).map { _ in LargeCommunity(r.u32(), r.u32(), r.u32()) }
        if r.bool() { a.onlyToCustomer = ASN(r.u32()) }
        if r.bool() { a.unknown = [RawPathAttribute(flags: 0xE0, code: UInt8(r.int(100...250)), value: (0..<r.int(0...300)).map { _ in UInt8(r.int(0...255)) })] }
        var update = UpdateMessage(
            withdrawnRoutes: nlri(&r, v6: false, addPath: add4, count: r.int(0...5)), attributes: a,
            nlri: nlri(&r, v6: false, addPath: add4, count: r.int(1...20)))
        if r.bool() {
            update.multiprotocolReach = MultiprotocolReach(
                family: .ipv6Unicast,
                nextHops: r.bool() ? [.v6(IPv6Address(high: r.next(), low: r.next()))]
                    : [.v6(IPv6Address(high: r.next(), low: r.next())), .v6(IPv6Address(high: 0xFE80 << 48, low: r.next()))],
                nlri: nlri(&r, v6: true, addPath: add6, count: r.int(1...20)))
        }
        if r.bool() {
            update.multiprotocolUnreach = MultiprotocolUnreach(family: .ipv6Unicast, withdrawn: nlri(&r, v6: true, addPath: add6, count: r.int(0...5)))
        }
        return update
    }

    static let contexts: [CodecContext] = [
        CodecContext(),
        CodecContext(externalPeer: false),
        CodecContext(addPath: [.ipv4Unicast, .ipv6Unicast], externalPeer: false),
    ]

    @Test(arguments: contexts)
    func updateRoundTrips(context: CodecContext) async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value()) { seed in
            var r = Random(state: seed)
            let message = BGPMessage.update(Self.update(&r, context: context))
            var buffer = ByteBuffer()
            message.encode(into: &buffer, context: context)
            // The generator can exceed 4096 octets; the round trip is checked at the 65535 limit.
            do {
                let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 65535))
                let (decoded, issues) = try BGPMessage.decode(frame, context: context)
                #expect(issues.isEmpty)
                #expect(decoded == message)
            } catch {
                Issue.record("round trip failed: \(error)")
            }
        }
    }

    @Test func twoOctetSessionRoundTripsThroughAS4Path() async {
        // Over a 2-octet session, a path with 4-octet ASNs travels as AS_TRANS + AS4_PATH and comes back whole.
        let context = CodecContext(fourOctetASN: false)
        await propertyCheck(count: 300, input: Gen<UInt64>.value()) { seed in
            var r = Random(state: seed)
            var update = Self.update(&r, context: CodecContext())
            update.attributes.asPath = ASPath(segments: Self.asPath(&r, external: true).segments.filter { $0.type == .asSequence || $0.type == .asSet })
            if let aggregator = update.attributes.aggregator, aggregator.asn == .asTrans { update.attributes.aggregator = nil }
            let message = BGPMessage.update(update)
            var buffer = message.encoded(context: context)
            do {
                let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 65535))
                let (decoded, _) = try BGPMessage.decode(frame, context: context)
                #expect(decoded == message)
            } catch {
                Issue.record("round trip failed: \(error)")
            }
        }
    }

    @Test func openRoundTrips() async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value()) { seed in
            var r = Random(state: seed)
            var capabilities: [Capability] = [.fourOctetAS(ASN(r.u32()))]
            if r.bool() { capabilities.append(.multiprotocol(.ipv6Unicast)) }
            if r.bool() { capabilities.append(.routeRefresh) }
            if r.bool() { capabilities.append(.role(BGPRole(rawValue: UInt8(r.int(0...4)))!)) }
            if r.bool() {
                capabilities.append(.gracefulRestart(GracefulRestartCapability(
                    restartState: r.bool(), notification: r.bool(), restartTime: UInt16(r.int(0...4095)),
                    families: [.init(family: .ipv4Unicast, forwardingState: r.bool())])))
            }
            // Enough unknown capabilities to need RFC 9072 extended parameters sometimes.
            for _ in 0..<r.int(0...4) {
                capabilities.append(.unknown(code: UInt8(r.int(100...127)), value: (0..<r.int(0...120)).map { _ in UInt8(r.int(0...255)) }))
            }
            let message = BGPMessage.open(OpenMessage(
                myAutonomousSystem: UInt16(r.int(1...65535)), holdTime: UInt16(r.int(0...65535)), bgpIdentifier: RouterID(rawValue: r.u32()),
                capabilities: capabilities))
            var buffer = message.encoded()
            do {
                let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096))
                #expect(try BGPMessage.decode(frame, context: CodecContext()).0 == message)
            } catch {
                Issue.record("round trip failed: \(error)")
            }
        }
    }
}

extension CodecContext: CustomTestStringConvertible {
    public var testDescription: String {
        "4octet=\(fourOctetASN) addPath=\(addPath.map(\.description).sorted()) external=\(externalPeer)"
    }
}

@Suite struct ASPathEncodingTests {
    @Test func segmentsLongerThan255AreSplit() throws {
        // RFC 4271 §4.3: the segment length is one octet, so 300 ASNs travel as 255 + 45.
        let long = ASPath(sequence: (1...300).map { ASN(UInt32($0)) })
        let message = BGPMessage.update(UpdateMessage(
            attributes: PathAttributes(origin: .igp, asPath: long, nextHop: IPv4Address("192.0.2.1")), nlri: [NLRI(IPv4Prefix("10.0.0.0/8")!)]))
        var buffer = message.encoded()
        let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096))
        let (decoded, _) = try BGPMessage.decode(frame, context: CodecContext())
        guard case .update(let update) = decoded else { Issue.record("not an UPDATE"); return }
        #expect(update.attributes.asPath?.segments.map(\.asns.count) == [255, 45])
        #expect(update.attributes.asPath?.segments.flatMap(\.asns) == long.segments[0].asns)
        #expect(update.attributes.asPath?.decisionLength == 300)
    }
}
