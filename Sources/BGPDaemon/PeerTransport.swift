// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

#if canImport(Glibc)
import Glibc
#endif
public import BGPConfig
import BGPModel
public import NIOCore
import NIOPosix

/// Opens outgoing connections for a `PeerController`. The seam between the controller and the sockets: the
/// daemon uses `TCPPeerTransport`, handler tests use `EmbeddedChannel`s.
public protocol PeerTransport: Sendable {
    /// Connects to the neighbour; `initializer` runs on the new channel before the connection is made.
    func connect(
        on eventLoop: any EventLoop, initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel>
}

/// Connects with NIOPosix: source address, TCP MD5 and TCP_USER_TIMEOUT are set before `connect`.
public struct TCPPeerTransport: PeerTransport {
    let neighbor: NeighborConfig
    /// How long a connect may take before it counts as failed.
    let connectTimeout: TimeAmount

    /// Creates the transport for `neighbor`.
    public init(neighbor: NeighborConfig, connectTimeout: TimeAmount = .seconds(5)) {
        self.neighbor = neighbor
        self.connectTimeout = connectTimeout
    }

    public func connect(
        on eventLoop: any EventLoop, initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let neighbor = self.neighbor
        let remote: SocketAddress
        do {
            remote = try SocketAddress(neighbor.address, port: Int(neighbor.port))
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let family: Int32 = neighbor.address.afi == .ipv4 ? AF_INET : AF_INET6
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                var ready = channel.eventLoop.makeSucceededVoidFuture()
                if let password = neighbor.password {
                    ready = ready.flatMap { TCPMD5.install(on: channel, peer: neighbor.address, key: password, socketFamily: family) }
                }
                if let timeout = neighbor.tcpUserTimeout {
                    let option = ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_USER_TIMEOUT)
                    ready = ready.flatMap { channel.setOption(option, value: timeout.socketMilliseconds) }
                }
                return ready.flatMap { initializer(channel) }
            }
        if let source = neighbor.sourceAddress, let local = try? SocketAddress(source, port: 0) {
            bootstrap = bootstrap.bind(to: local)
        }
        return bootstrap.connect(to: remote)
    }
}
