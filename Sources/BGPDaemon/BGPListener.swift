// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

#if canImport(Glibc)
import Glibc
#endif
import BGPConfig
import BGPModel
import Logging
import NIOCore
import NIOPosix

/// Accepts BGP connections and hands each to its neighbour's controller.
///
/// A connection from an address that is not a configured neighbour is closed at once, logged and counted.
/// TCP MD5 keys of all neighbours that have one are installed on the listening socket, so the kernel drops
/// unsigned segments from them before a connection exists.
final class BGPListener: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// The neighbours' controllers (replaced by a reload, on the event loop).
    var controllers: [IPAddress: PeerController]
    private var channels: [any Channel] = []
    /// Connections refused because the remote address is not a neighbour.
    private(set) var refusedConnections = 0

    init(eventLoop: any EventLoop, controllers: [IPAddress: PeerController], logger: Logger) {
        self.eventLoop = eventLoop
        self.controllers = controllers
        self.logger = logger
    }

    /// Binds `address:port`; throws a `StartupError` with one clear line on failure.
    func bind(_ address: IPAddress, port: UInt16) async throws {
        let socketAddress = try SocketAddress(address, port: Int(port))
        let family: Int32 = address.afi == .ipv4 ? AF_INET : AF_INET6
        let keyed = controllers.values.compactMap { c in c.neighbor.password.map { (c.neighbor.address, $0) } }
            .filter { family == AF_INET6 || $0.0.afi == .ipv4 }
        let bootstrap = ServerBootstrap(group: eventLoop, childGroup: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelInitializer { [logger] channel in
                var ready = channel.eventLoop.makeSucceededVoidFuture()
                for (peer, key) in keyed {
                    ready = ready.flatMap {
                        TCPMD5.install(on: channel, peer: peer, key: key, socketFamily: family).flatMapErrorThrowing { error in
                            logger.error("\(LogEvent.md5Failed(peer, error))")
                            throw error
                        }
                    }
                }
                return ready
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { self.route(channel) }
            }
        do {
            let channel = try await bootstrap.bind(to: socketAddress).get()
            channels.append(channel)
            logger.info("\(LogEvent.listening(address, port: port))")
        } catch {
            throw StartupError("peerletd: cannot listen for BGP on \(LogEvent.endpoint(address, port)): \(error)")
        }
    }

    private func route(_ channel: any Channel) {
        guard let remote = channel.remoteAddress?.bgpAddress, let controller = controllers[remote] else {
            refusedConnections += 1
            logger.warning("\(LogEvent.connectionRefused(channel.remoteAddress?.description ?? "unknown"))")
            channel.close(promise: nil)
            return
        }
        if let timeout = controller.neighbor.tcpUserTimeout {
            let option = ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_USER_TIMEOUT)
            _ = channel.setOption(option, value: timeout.socketMilliseconds)
        }
        controller.accept(channel)
    }

    /// Closes the listening sockets.
    func close() async {
        for channel in channels { try? await channel.close() }
        channels.removeAll()
    }
}
