// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire
import NIOCore
import NIOTestUtils
import Testing

/// The frame decoder under byte-by-byte delivery and many messages per read.
@Suite struct FramingTests {
    static func frames(_ names: [String]) throws -> [(ByteBuffer, BGPFrame)] {
        try names.map { name in
            var buffer = try Fixture.buffer(name)
            let whole = buffer
            let frame = try #require(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096))
            return (whole, frame)
        }
    }

    @Test func verifierDripFeedsAndPacks() throws {
        let names = ["open-capabilities.hex", "keepalive.hex", "update-ipv4.hex", "update-ipv6.hex", "notification-cease-shutdown.hex",
                     "route-refresh-ipv4.hex"]
        let pairs = try Self.frames(names)
        // ByteToMessageDecoderVerifier feeds the input one byte at a time, whole, and in chunks.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: pairs.map { ($0.0, [$0.1]) }, decoderFactory: { BGPFrameDecoder() })
    }

    @Test func partialMessageLeavesTheBufferUntouched() throws {
        let bytes = try Fixture.bytes("update-ipv4.hex")
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            let before = buffer
            #expect(try BGPFrame.read(from: &buffer, maximumMessageLength: 4096) == nil)
            #expect(buffer == before)
        }
    }

    @Test func manyMessagesInOneBuffer() throws {
        var buffer = ByteBuffer()
        for _ in 0..<100 {
            buffer.writeBytes(try Fixture.bytes("keepalive.hex"))
            buffer.writeBytes(try Fixture.bytes("update-ipv6.hex"))
        }
        var types: [BGPMessageType] = []
        while let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: 4096) { types.append(frame.type) }
        #expect(types.count == 200)
        #expect(types.filter { $0 == .update }.count == 100)
        #expect(buffer.readableBytes == 0)
    }

    @Test func headerErrorIsReportedBeforeTheBodyArrives() {
        // A bad marker is detected with only the 19-octet header in hand.
        var buffer = ByteBuffer(bytes: [UInt8](repeating: 0, count: 19))
        #expect(throws: MessageError.connectionNotSynchronized()) {
            _ = try BGPFrame.read(from: &buffer, maximumMessageLength: 4096)
        }
    }
}
