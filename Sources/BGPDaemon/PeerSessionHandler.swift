// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPSession
import BGPWire
import NIOCore

/// The channel handler of one BGP connection. It cuts frames, decodes them with the session's current codec
/// context, and hands events to the `PeerController`. It makes no protocol decision.
///
/// Bytes that arrive before the controller has told the state machine about the connection are held until
/// `start()`; after a decode error nothing more is read from the connection.
final class PeerSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let id: ConnectionID
    private weak var controller: PeerController?
    private var pending = ByteBuffer()
    private var started = false
    private var stopped = false

    init(id: ConnectionID, controller: PeerController) {
        self.id = id
        self.controller = controller
    }

    /// Begins delivering messages (called on the event loop once the machine knows the connection).
    func start() {
        started = true
        process()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !stopped else { return }
        if pending.readableBytes == 0 {
            pending = incoming
        } else {
            pending.writeBuffer(&incoming)
        }
        if started { process() }
    }

    private func process() {
        while !stopped, let controller {
            let frame: BGPFrame
            do {
                guard let next = try BGPFrame.read(from: &pending, maximumMessageLength: controller.receiveContext.maximumMessageLength) else {
                    break
                }
                frame = next
            } catch {
                stopped = true
                controller.receivedError(error, on: id)
                return
            }
            do {
                let (message, issues) = try BGPMessage.decode(frame, context: controller.receiveContext)
                controller.received(message, issues: issues, on: id)
            } catch {
                stopped = true
                controller.receivedError(error, on: id)
                return
            }
        }
        if pending.readableBytes == 0 {
            pending.clear()
        } else if pending.readerIndex > 65536 {
            pending.discardReadBytes()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopped = true
        controller?.connectionClosed(id)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        controller?.writabilityChanged(id, isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A socket error (reset, timeout): the connection is gone; channelInactive follows.
        controller?.logger.debug("connection error", metadata: ["connection": "\(id)", "error": "\(error)"])
        context.close(promise: nil)
    }
}
