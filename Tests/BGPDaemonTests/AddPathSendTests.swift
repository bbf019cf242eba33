// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPSession
import BGPWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import BGPDaemon

/// RFC 7911 send: the ECMP set goes to an ADD-PATH receiver as several paths with their own identifiers.
@Suite struct AddPathSendTests {
    @Test func ecmpMembersAreSentAndWithdrawnByPathID() throws {
        let loop = EmbeddedEventLoop()
        let a = BackpressureTests.neighbor(1, asn: 65001)
        let b = BackpressureTests.neighbor(2, asn: 65002)
        var receiver = BackpressureTests.neighbor(3, asn: 65003)
        receiver.addPathSend = true
        let controllers = [a, b].map { BackpressureTests.controller($0, loop: loop) }
        let session = SessionConfiguration(
            localAS: 4_200_000_001, routerID: RouterID("192.0.2.100")!, peerAS: 65003, passive: true,
            addPath: [AddPathEntry(family: .ipv4Unicast, mode: .send)], jitter: false)
        let target = PeerController(neighbor: receiver, session: session, eventLoop: loop, transport: PeerControllerTests.NoTransport(), logger: Logger(label: "t"))
        var config = DaemonConfig(routerID: RouterID("192.0.2.100")!, localAS: 4_200_000_001, neighbors: [a, b, receiver])
        config.multipathRelax = true
        let engine = RoutingEngine(config: config, controllers: controllers + [target], eventLoop: loop, logger: Logger(label: "t"))
        let channels = (0..<3).map { _ in EmbeddedChannel(loop: loop) }
        try BackpressureTests.establish(controllers[0], channels[0], asn: 65001, id: "10.0.0.1")
        try BackpressureTests.establish(controllers[1], channels[1], asn: 65002, id: "10.0.0.2")
        // The receiver advertises ADD-PATH receive for IPv4.
        channels[2].localAddress = try SocketAddress(ipAddress: "192.0.2.100", port: 179)
        target.start()
        target.accept(channels[2])
        try channels[2].connect(to: SocketAddress(ipAddress: "192.0.2.100", port: 179)).wait()
        try channels[2].writeInbound(BGPMessage.open(OpenMessage(
            asn: 65003, holdTime: 90, bgpIdentifier: RouterID("10.0.0.3")!,
            capabilities: [.multiprotocol(.ipv4Unicast), .addPath([AddPathEntry(family: .ipv4Unicast, mode: .receive)])])).encoded())
        try channels[2].writeInbound(BGPMessage.keepalive.encoded())
        #expect(target.machine.negotiated?.addPathSend == [.ipv4Unicast])

        func received() throws -> [UpdateMessage] {
            var out: [UpdateMessage] = []
            while var buffer = try channels[2].readOutbound(as: ByteBuffer.self) {
                while let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: 4096) {
                    if case .update(let u) = try BGPMessage.decode(frame, context: CodecContext(addPath: [.ipv4Unicast])).0 { out.append(u) }
                }
            }
            return out
        }
        _ = try received()
        for (i, channel) in channels.prefix(2).enumerated() {
            let update = UpdateMessage(
                attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [ASN(65001 + UInt32(i))]), nextHop: IPv4Address("192.0.2.\(i + 1)")),
                nlri: [NLRI(IPv4Prefix("10.9.0.0/24")!)])
            try channel.writeInbound(BGPMessage.update(update).encoded())
        }
        let announced = try received().flatMap(\.nlri)
        // First one path, then the ECMP set of two: two distinct identifiers in the end.
        let ids = Set(announced.compactMap(\.pathID))
        #expect(ids.count == 2)
        #expect(announced.allSatisfy { $0.prefix == .v4(IPv4Prefix("10.9.0.0/24")!) })
        #expect(engine.rib.selection(for: IPPrefix("10.9.0.0/24")!)?.multipath.count == 2)

        // One source withdraws: only its identifier is withdrawn.
        try channels[0].writeInbound(BGPMessage.update(UpdateMessage(withdrawnRoutes: [NLRI(IPv4Prefix("10.9.0.0/24")!)])).encoded())
        let after = try received()
        let withdrawn = after.flatMap(\.withdrawnRoutes)
        #expect(withdrawn.count == 1)
        #expect(withdrawn.first.flatMap(\.pathID).map(ids.contains) == true)
        #expect(after.flatMap(\.nlri).allSatisfy { ids.contains($0.pathID ?? 0) })
    }
}
