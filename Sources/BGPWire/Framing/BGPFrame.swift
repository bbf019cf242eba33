// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import NIOCore

/// One message cut from the byte stream after the RFC 4271 §6.1 header checks: its type and its body (the
/// octets after the 19-octet header). The body is decoded later with the session's `CodecContext`, because
/// what it means depends on what OPEN negotiated.
public struct BGPFrame: Hashable, Sendable {
    /// The message type.
    public var type: BGPMessageType
    /// The message body, a slice of the receive buffer (no copy).
    public var body: ByteBuffer

    /// Creates a frame.
    public init(type: BGPMessageType, body: ByteBuffer) {
        self.type = type
        self.body = body
    }

    /// Cuts one frame from the front of `buffer`, or returns `nil` (buffer untouched) when the whole message has
    /// not arrived yet. Throws the exact Message Header Error of RFC 4271 §6.1 (or the ROUTE-REFRESH length
    /// error of RFC 7313 §5).
    public static func read(from buffer: inout ByteBuffer, maximumMessageLength: Int) throws(MessageError) -> BGPFrame? {
        guard buffer.readableBytes >= BGPHeader.length else { return nil }
        let start = buffer.readerIndex
        // §6.1: "If the Marker field of the message header is not as expected".
        for i in 0..<16 where buffer.getInteger(at: start + i, as: UInt8.self) != 0xFF {
            throw .connectionNotSynchronized()
        }
        let length = buffer.getInteger(at: start + 16, as: UInt16.self)!
        let rawType = buffer.getInteger(at: start + 18, as: UInt8.self)!
        guard Int(length) >= BGPHeader.length, Int(length) <= maximumMessageLength else {
            throw .badMessageLength(length, reason: "message length \(length) outside 19...\(maximumMessageLength)")
        }
        guard let type = BGPMessageType(rawValue: rawType) else { throw .badMessageType(rawType) }
        let minimum: Int
        switch type {
        case .open: minimum = 29
        case .update: minimum = 23
        case .notification: minimum = 21
        case .keepalive: minimum = 19
        case .routeRefresh: minimum = 19
        }
        if Int(length) < minimum || (type == .keepalive && length != 19)
            || (type == .open && Int(length) > BGPHeader.maximumMessageLength)
        {
            throw .badMessageLength(length, reason: "\(type) of length \(length)")
        }
        guard buffer.readableBytes >= Int(length) else { return nil }
        if type == .routeRefresh, length != 23 {
            // RFC 7313 §5: the data is the complete message.
            throw .routeRefreshInvalidLength(message: buffer.getBytes(at: start, length: Int(length)) ?? [])
        }
        buffer.moveReaderIndex(forwardBy: BGPHeader.length)
        let body = buffer.readSlice(length: Int(length) - BGPHeader.length)!
        return BGPFrame(type: type, body: body)
    }
}

/// A SwiftNIO decoder that cuts the TCP stream into `BGPFrame`s.
///
/// `maximumMessageLength` starts at 4096 and is raised to 65535 by the session once both sides advertised
/// Extended Message (RFC 8654).
public struct BGPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = BGPFrame

    /// The largest message accepted.
    public var maximumMessageLength: Int

    /// Creates a decoder.
    public init(maximumMessageLength: Int = BGPHeader.maximumMessageLength) {
        self.maximumMessageLength = maximumMessageLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> BGPFrame? {
        try BGPFrame.read(from: &buffer, maximumMessageLength: maximumMessageLength)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> BGPFrame? {
        try decode(buffer: &buffer)
    }
}
