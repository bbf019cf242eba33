// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPDaemon
import BGPModel
import BGPSession
import BGPWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The controller and handler over `EmbeddedChannel` with virtual time: no sockets, no sleeps.
@Suite struct PeerControllerTests {
    struct NoTransport: PeerTransport {
        func connect(on eventLoop: any EventLoop, initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>)
            -> EventLoopFuture<any Channel>
        {
            eventLoop.makeFailedFuture(ChannelError.connectTimeout(.seconds(1)))
        }
    }

    static let neighbor = NeighborConfig(address: .v4(IPv4Address("192.0.2.2")!), peerAS: 4_200_000_002, passive: true)

    static func controller(loop: EmbeddedEventLoop, hold: UInt16 = 90) -> PeerController {
        let session = SessionConfiguration(
            localAS: 4_200_000_001, routerID: RouterID("192.0.2.1")!, peerAS: 4_200_000_002, holdTime: hold, passive: true, jitter: false)
        return PeerController(neighbor: neighbor, session: session, eventLoop: loop, transport: NoTransport(), logger: Logger(label: "test"))
    }

    static let peerOpen = BGPMessage.open(
        OpenMessage(asn: 4_200_000_002, holdTime: 90, bgpIdentifier: RouterID("192.0.2.2")!, capabilities: [.multiprotocol(.ipv4Unicast)]))

    /// Decodes every message the controller wrote.
    static func written(_ channel: EmbeddedChannel) throws -> [BGPMessage] {
        var out: [BGPMessage] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            while let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: 65535) {
                out.append(try BGPMessage.decode(frame, context: CodecContext()).0)
            }
        }
        return out
    }

    static func establish(_ controller: PeerController, _ channel: EmbeddedChannel) throws {
        controller.start()
        controller.accept(channel)
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.2", port: 179)).wait()
        #expect(try written(channel).map(\.type) == [.open])
        try channel.writeInbound(peerOpen.encoded())
        #expect(try written(channel) == [.keepalive])
        try channel.writeInbound(BGPMessage.keepalive.encoded())
        #expect(controller.machine.state == .established)
    }

    @Test func holdTimerExpirySendsNotificationAndCloses() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        try Self.establish(controller, channel)
        // Keepalives go out every 30 s; the neighbour sends nothing.
        loop.advanceTime(by: .seconds(89))
        #expect(try Self.written(channel) == [.keepalive, .keepalive])
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(try Self.written(channel) == [.notification(NotificationMessage(code: .holdTimerExpired, subcode: 0))])
        #expect(!channel.isActive)
        #expect(controller.machine.state == .idle)
        // After the idle-hold backoff (1 s) the passive session waits for the neighbour again.
        loop.advanceTime(by: .seconds(1))
        #expect(controller.machine.state == .active)
        #expect(controller.statistics.lastNotificationSent?.code == .holdTimerExpired)
    }

    @Test func keepalivesFromTheNeighbourKeepTheSessionUp() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        try Self.establish(controller, channel)
        for _ in 0..<10 {
            loop.advanceTime(by: .seconds(60))
            try channel.writeInbound(BGPMessage.keepalive.encoded())
        }
        #expect(controller.machine.state == .established)
        #expect(channel.isActive)
    }

    @Test func bytesArrivingOneAtATimeAreFramed() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        controller.start()
        controller.accept(channel)
        for byte in Self.peerOpen.encoded().readableBytesView + BGPMessage.keepalive.encoded().readableBytesView {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(controller.machine.state == .established)
    }

    @Test func badMarkerGetsTheHeaderErrorAndClose() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        try Self.establish(controller, channel)
        try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 0, count: 19)))
        #expect(try Self.written(channel) == [.notification(NotificationMessage(code: .messageHeaderError, subcode: 1))])
        #expect(!channel.isActive)
        #expect(controller.machine.state == .idle)
    }

    @Test func shutdownSendsCeaseWithTheCommunication() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        try Self.establish(controller, channel)
        controller.stop(communication: "peerletd shutting down")
        let sent = try Self.written(channel)
        guard case .notification(let n)? = sent.first else {
            Issue.record("no NOTIFICATION: \(sent)")
            return
        }
        #expect(n.code == .cease && n.subcode == 2)
        #expect(n.shutdownCommunication == "peerletd shutting down")
    }

    @Test func updatesReachTheObserver() throws {
        let loop = EmbeddedEventLoop()
        let controller = Self.controller(loop: loop)
        let channel = EmbeddedChannel(loop: loop)
        var seen: [UpdateMessage] = []
        controller.observer = { if case .update(let u) = $0 { seen.append(u) } }
        try Self.establish(controller, channel)
        let update = UpdateMessage(
            attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [4_200_000_002]), nextHop: IPv4Address("192.0.2.2")),
            nlri: [NLRI(IPv4Prefix("10.9.0.0/16")!)])
        try channel.writeInbound(BGPMessage.update(update).encoded())
        #expect(seen == [update])
        #expect(controller.statistics.received[.update] == 1)
    }
}
