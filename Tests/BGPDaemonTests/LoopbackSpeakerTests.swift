// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPDaemon
import BGPModel
import BGPSession
import BGPWire
import Logging
import NIOCore
import NIOPosix
import Testing

/// Real sockets on the loopback range (127.0.0.x only): two speakers peering with each other.
@Suite(.serialized) struct LoopbackSpeakerTests {
    static func port() -> UInt16 { UInt16.random(in: 20000...60000) }

    static func config(me: Int, peer: Int, port: UInt16, password: String? = nil, hold: UInt16 = 3) -> DaemonConfig {
        let neighbor = NeighborConfig(
            address: IPAddress("127.0.0.\(peer)")!, peerAS: ASN(4_200_000_000 + UInt32(peer)), port: port, password: password,
            sourceAddress: IPAddress("127.0.0.\(me)")!, holdTime: hold, connectRetryTime: .seconds(1))
        var config = DaemonConfig(
            routerID: RouterID("10.0.0.\(me)")!, localAS: ASN(4_200_000_000 + UInt32(me)),
            listen: ListenConfig(addresses: [IPAddress("127.0.0.\(me)")!], port: port), neighbors: [neighbor])
        // These speakers run in the test's own namespace: they must never touch its routing table.
        config.fib.enabled = false
        return config
    }

    static func state(_ speaker: BGPSpeaker, _ peer: Int, on loop: any EventLoop) async throws -> SessionStateMachine.State {
        let controller = speaker.controllers[IPAddress("127.0.0.\(peer)")!]!
        return try await loop.submit { controller.machine.state }.get()
    }

    /// Polls until `condition` holds or `seconds` pass; returns whether it held.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func twoActiveSpeakersEstablishAndShutDownCleanly() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let port = Self.port()
        let a = BGPSpeaker(config: Self.config(me: 1, peer: 2, port: port), eventLoop: loop, logger: Logger(label: "a"))
        let b = BGPSpeaker(config: Self.config(me: 2, peer: 1, port: port), eventLoop: loop, logger: Logger(label: "b"))
        try await a.start()
        try await b.start()
        let up = try await Self.eventually(10) {
            let sa = try await Self.state(a, 2, on: loop)
            let sb = try await Self.state(b, 1, on: loop)
            return sa == .established && sb == .established
        }
        #expect(up)
        // Past three hold times of 3 s, keepalives keep it up.
        try await Task.sleep(for: .seconds(10))
        #expect(try await Self.state(a, 2, on: loop) == .established)
        let controllerB = b.controllers[IPAddress("127.0.0.1")!]!
        #expect(try await loop.submit { controllerB.statistics.establishedCount }.get() == 1)
        await a.shutdown(communication: "test over")
        // A has flushed and closed; B reads the NOTIFICATION on its next loop turn.
        let received = try await Self.eventually(5) {
            try await loop.submit { controllerB.statistics.lastNotificationReceived }.get()?.shutdownCommunication == "test over"
        }
        #expect(received)
        await b.shutdown()
        try await group.shutdownGracefully()
    }

    @Test(arguments: [("same-key", "same-key", true), ("key-a", "key-b", false)])
    func md5(keyA: String, keyB: String, establishes: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let port = Self.port()
        let a = BGPSpeaker(config: Self.config(me: 3, peer: 4, port: port, password: keyA), eventLoop: loop, logger: Logger(label: "a"))
        let b = BGPSpeaker(config: Self.config(me: 4, peer: 3, port: port, password: keyB), eventLoop: loop, logger: Logger(label: "b"))
        try await a.start()
        try await b.start()
        let up = try await Self.eventually(establishes ? 10 : 5) {
            let sa = try await Self.state(a, 4, on: loop)
            let sb = try await Self.state(b, 3, on: loop)
            return sa == .established && sb == .established
        }
        #expect(up == establishes)
        await a.shutdown()
        await b.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func connectionFromAnUnknownAddressIsRefused() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let port = Self.port()
        let a = BGPSpeaker(config: Self.config(me: 5, peer: 6, port: port), eventLoop: loop, logger: Logger(label: "a"))
        try await a.start()
        let stranger = try await ClientBootstrap(group: group).bind(to: SocketAddress(ipAddress: "127.0.0.7", port: 0))
            .connect(to: SocketAddress(ipAddress: "127.0.0.5", port: Int(port))).get()
        let closed = try await Self.eventually(5) { !stranger.isActive }
        #expect(closed)
        #expect(try await loop.submit { a.refusedConnections }.get() == 1)
        await a.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func portInUseIsOneClearLine() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = Self.port()
        let holder = try await ServerBootstrap(group: group).bind(to: SocketAddress(ipAddress: "127.0.0.8", port: Int(port))).get()
        let a = BGPSpeaker(config: Self.config(me: 8, peer: 9, port: port), eventLoop: group.next(), logger: Logger(label: "a"))
        do {
            try await a.start()
            Issue.record("start should have failed")
        } catch let error as StartupError {
            #expect(error.description.contains("cannot listen for BGP on"))
            #expect(error.description.contains("\(port)"))
            #expect(!error.description.contains("\n"))
        }
        try await holder.close()
        try await group.shutdownGracefully()
    }
}
