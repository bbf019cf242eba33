// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import NIOCore
import BGPModel

extension BGPMessage {
    /// Decodes a frame's body. For an UPDATE the RFC 7606 issues come back beside the message; other types
    /// have none.
    public static func decode(_ frame: BGPFrame, context: CodecContext) throws(MessageError) -> (BGPMessage, [AttributeIssue]) {
        var body = frame.body
        switch frame.type {
        case .open:
            return (.open(try OpenMessage.decode(body: body)), [])
        case .update:
            let decoded = try UpdateMessage.decode(body: body, context: context)
            return (.update(decoded.message), decoded.issues)
        case .notification:
            let code = body.readInteger(as: UInt8.self)!  // the frame is at least 21 octets
            let subcode = body.readInteger(as: UInt8.self)!
            let data = body.readBytes(length: body.readableBytes) ?? []
            return (.notification(NotificationMessage(code: NotificationCode(rawValue: code), subcode: subcode, data: data)), [])
        case .keepalive:
            return (.keepalive, [])
        case .routeRefresh:
            // Length is exactly 4 here (checked when framing).
            let afi = body.readInteger(as: UInt16.self)!
            let subtype = body.readInteger(as: UInt8.self)!
            let safi = body.readInteger(as: UInt8.self)!
            return (
                .routeRefresh(
                    RouteRefreshMessage(
                        family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                        subtype: .init(rawValue: subtype))), []
            )
        }
    }

    /// Writes the whole message, header included.
    public func encode(into buffer: inout ByteBuffer, context: CodecContext = CodecContext()) {
        let start = buffer.writerIndex
        buffer.writeRepeatingByte(0xFF, count: 16)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(type.rawValue)
        switch self {
        case .open(let open):
            open.encodeBody(into: &buffer)
        case .update(let update):
            update.encodeBody(into: &buffer, context: context)
        case .notification(let notification):
            buffer.writeInteger(notification.code.rawValue)
            buffer.writeInteger(notification.subcode)
            buffer.writeBytes(notification.data)
        case .keepalive:
            break
        case .routeRefresh(let refresh):
            buffer.writeInteger(refresh.family.afi.rawValue)
            buffer.writeInteger(refresh.subtype.rawValue)
            buffer.writeInteger(refresh.family.safi.rawValue)
        }
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - start), at: start + 16)
    }

    /// The encoded message in a new buffer.
    public func encoded(context: CodecContext = CodecContext()) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer, context: context)
        return buffer
    }
}
