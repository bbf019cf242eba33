// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire
import NIOCore
import Testing

/// Messages captured from BIRD 2, FRR and GoBGP in the testbed (testbed/tools/capture.py; provenance in each
/// file's header). Every one must decode without an RFC 7606 issue and survive our own encode/decode.
@Suite struct CaptureTests {
    static let context = CodecContext()
    static var files: [String] { Fixture.names(in: "Captures").filter { $0.hasSuffix(".hex") } }

    static func decode(_ file: String) throws -> BGPMessage {
        var buffer = ByteBuffer(bytes: try Fixture.bytes(file, in: "Captures"))
        let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096))
        let (message, issues) = try BGPMessage.decode(frame, context: context)
        #expect(issues.isEmpty, "\(file): \(issues)")
        return message
    }

    static func messages(from daemon: String) throws -> [BGPMessage] {
        try files.filter { $0.hasPrefix(daemon + "-") }.map(decode)
    }

    @Test(arguments: files)
    func decodesCleanlyAndRoundTrips(file: String) throws {
        let message = try Self.decode(file)
        var buffer = message.encoded(context: Self.context)
        let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096))
        #expect(try BGPMessage.decode(frame, context: Self.context).0 == message)
    }

    @Test(arguments: ["bird", "frr", "gobgp"])
    func eachDaemonSentAnOpenAndRoutesWithCommunities(daemon: String) throws {
        let messages = try Self.messages(from: daemon)
        let opens = messages.compactMap { if case .open(let o) = $0 { o } else { nil } }
        #expect(opens.count == 1)
        let asn: ASN = ["bird": 4_200_000_011, "frr": 4_200_000_012, "gobgp": 4_200_000_013][daemon]!
        #expect(opens.first?.autonomousSystem == asn)
        #expect(opens.first?.myAutonomousSystem == 23456)
        let updates = messages.compactMap { if case .update(let u) = $0 { u } else { nil } }
        let announced = updates.flatMap { $0.nlri.map(\.prefix) + ($0.multiprotocolReach?.nlri.map(\.prefix) ?? []) }
        #expect(announced.contains(.v4(IPv4Prefix("198.51.100.0/24")!)))
        #expect(updates.contains { $0.attributes.communities.contains(Community(65001, 100)) })
        #expect(updates.allSatisfy { $0.attributes.asPath?.firstASN == asn || $0.endOfRIB != nil })
    }

    @Test func birdAdvertisesGracefulRestartAndLongLivedGracefulRestart() throws {
        let open = try Self.messages(from: "bird").compactMap { if case .open(let o) = $0 { o } else { nil } }.first
        #expect(open?.capabilities.contains { if case .gracefulRestart = $0 { true } else { false } } == true)
        #expect(open?.capabilities.contains { if case .unknown(71, _) = $0 { true } else { false } } == true)
        let updates = try Self.messages(from: "bird").compactMap { if case .update(let u) = $0 { u } else { nil } }
        #expect(updates.contains { $0.attributes.largeCommunities == [LargeCommunity(4_200_000_011, 1, 2)] })
        #expect(updates.contains { $0.attributes.extendedCommunities == [ExtendedCommunity("rt:65001:100")!] })
        #expect(updates.contains { $0.multiprotocolReach?.family == .ipv6Unicast })
    }

    @Test func frrSendsItsHostnameCapability() throws {
        let open = try Self.messages(from: "frr").compactMap { if case .open(let o) = $0 { o } else { nil } }.first
        // FQDN capability (73): kept raw and shown, RFC 5492 §3.
        guard case .unknown(73, let value)? = open?.capabilities.first(where: { $0.code == 73 }) else {
            Issue.record("no FQDN capability")
            return
        }
        #expect(value.first == 3)  // hostname length
        #expect(Array(value[1...3]) == Array("frr".utf8))
    }
}
