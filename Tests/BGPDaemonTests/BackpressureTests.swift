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

/// A neighbour whose send buffer is full gets nothing until it drains, then the Loc-RIB as it is then; the other
/// neighbours are not held up.
@Suite struct BackpressureTests {
    static func neighbor(_ n: Int, asn: ASN) -> NeighborConfig {
        NeighborConfig(address: IPAddress("192.0.2.\(n)")!, peerAS: asn, passive: true, importPolicy: .acceptAll, exportPolicy: .acceptAll)
    }

    static func controller(_ config: NeighborConfig, loop: EmbeddedEventLoop) -> PeerController {
        let session = SessionConfiguration(localAS: 4_200_000_001, routerID: RouterID("192.0.2.100")!, peerAS: config.peerAS, passive: true, jitter: false)
        return PeerController(neighbor: config, session: session, eventLoop: loop, transport: PeerControllerTests.NoTransport(), logger: Logger(label: "t"))
    }

    static func establish(_ controller: PeerController, _ channel: EmbeddedChannel, asn: ASN, id: String) throws {
        channel.localAddress = try SocketAddress(ipAddress: "192.0.2.100", port: 179)
        controller.start()
        controller.accept(channel)
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.100", port: 179)).wait()
        let open = BGPMessage.open(OpenMessage(asn: asn, holdTime: 90, bgpIdentifier: RouterID(id)!, capabilities: [.multiprotocol(.ipv4Unicast)]))
        try channel.writeInbound(open.encoded())
        try channel.writeInbound(BGPMessage.keepalive.encoded())
        #expect(controller.machine.state == .established)
    }

    /// Prefixes announced to and withdrawn from the target in what it was sent.
    static func received(_ channel: EmbeddedChannel) throws -> (announced: [IPPrefix], withdrawn: [IPPrefix]) {
        var announced: [IPPrefix] = []
        var withdrawn: [IPPrefix] = []
        for message in try PeerControllerTests.written(channel) {
            guard case .update(let u) = message else { continue }
            announced += u.nlri.map(\.prefix)
            withdrawn += u.withdrawnRoutes.map(\.prefix)
        }
        return (announced, withdrawn)
    }

    static func update(_ prefixes: [String], withdraw: [String] = []) -> ByteBuffer {
        BGPMessage.update(UpdateMessage(
            withdrawnRoutes: withdraw.map { NLRI(IPv4Prefix($0)!) },
            attributes: prefixes.isEmpty ? PathAttributes() : PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: IPv4Address("192.0.2.1")),
            nlri: prefixes.map { NLRI(IPv4Prefix($0)!) })).encoded()
    }

    @Test func blockedNeighbourGetsTheCurrentTableWhenItDrains() throws {
        let loop = EmbeddedEventLoop()
        let sourceConfig = Self.neighbor(1, asn: 65001)
        let targetConfig = Self.neighbor(2, asn: 65002)
        let otherConfig = Self.neighbor(3, asn: 65003)
        let source = Self.controller(sourceConfig, loop: loop)
        let target = Self.controller(targetConfig, loop: loop)
        let other = Self.controller(otherConfig, loop: loop)
        let engine = RoutingEngine(
            config: DaemonConfig(routerID: RouterID("192.0.2.100")!, localAS: 4_200_000_001, neighbors: [sourceConfig, targetConfig, otherConfig]),
            controllers: [source, target, other], eventLoop: loop, logger: Logger(label: "t"))
        let sourceChannel = EmbeddedChannel(loop: loop)
        let targetChannel = EmbeddedChannel(loop: loop)
        let otherChannel = EmbeddedChannel(loop: loop)
        try Self.establish(source, sourceChannel, asn: 65001, id: "10.0.0.1")
        try Self.establish(target, targetChannel, asn: 65002, id: "10.0.0.2")
        try Self.establish(other, otherChannel, asn: 65003, id: "10.0.0.3")
        _ = try PeerControllerTests.written(targetChannel)
        _ = try PeerControllerTests.written(otherChannel)

        try sourceChannel.writeInbound(Self.update(["10.1.0.0/16"]))
        #expect(try Self.received(targetChannel).announced == [IPPrefix("10.1.0.0/16")!])

        // The target stops reading: its buffer is full.
        targetChannel.isWritable = false
        targetChannel.pipeline.fireChannelWritabilityChanged()
        _ = try PeerControllerTests.written(otherChannel)
        try sourceChannel.writeInbound(Self.update(["10.2.0.0/16", "10.3.0.0/16"]))
        try sourceChannel.writeInbound(Self.update([], withdraw: ["10.1.0.0/16", "10.3.0.0/16"]))
        try sourceChannel.writeInbound(Self.update(["10.3.0.0/16"]))
        #expect(try PeerControllerTests.written(targetChannel).isEmpty)
        // The other neighbour is not held up: it got every change as it happened.
        let meanwhile = try Self.received(otherChannel)
        #expect(meanwhile.announced == [IPPrefix("10.2.0.0/16")!, IPPrefix("10.3.0.0/16")!, IPPrefix("10.3.0.0/16")!])
        #expect(Set(meanwhile.withdrawn) == [IPPrefix("10.1.0.0/16")!, IPPrefix("10.3.0.0/16")!])

        // It drains: it gets the Loc-RIB as it is now, the intermediate states coalesced.
        targetChannel.isWritable = true
        targetChannel.pipeline.fireChannelWritabilityChanged()
        let after = try Self.received(targetChannel)
        #expect(Set(after.announced) == [IPPrefix("10.2.0.0/16")!, IPPrefix("10.3.0.0/16")!])
        #expect(after.withdrawn == [IPPrefix("10.1.0.0/16")!])
        #expect(engine.rib.prefixCount == 2)

        // The Adj-RIB-Out towards the target is exactly what it now holds, with our AS prepended and us as next hop;
        // towards the source it is empty (never back to where a route came from).
        let out = engine.adjRIBOut(to: targetConfig.address)
        #expect(out.map(\.prefix) == [IPPrefix("10.2.0.0/16")!, IPPrefix("10.3.0.0/16")!])
        #expect(out.allSatisfy { $0.attributes.asPath == ASPath(sequence: [4_200_000_001, 65001]) })
        #expect(out.allSatisfy { $0.attributes.nextHop == IPv4Address("192.0.2.100") })
        #expect(engine.adjRIBOut(to: sourceConfig.address).isEmpty)
    }
}
