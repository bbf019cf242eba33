// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPWire
import NIOCore
import Testing

/// Every header and OPEN error maps to the exact NOTIFICATION of RFC 4271 §6.1/§6.2 (code, subcode, data).
@Suite struct MessageErrorTests {
    static let marker = [UInt8](repeating: 0xFF, count: 16)

    static func message(length: Int? = nil, type: UInt8, body: [UInt8]) -> [UInt8] {
        let total = length ?? 19 + body.count
        return marker + [UInt8(total >> 8), UInt8(total & 0xFF), type] + body
    }

    /// Frames and decodes `bytes`, returning the error thrown.
    static func error(_ bytes: [UInt8], context: CodecContext = CodecContext()) -> MessageError? {
        var buffer = ByteBuffer(bytes: bytes)
        do {
            guard let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: context.maximumMessageLength) else { return nil }
            _ = try BGPMessage.decode(frame, context: context)
            return nil
        } catch {
            return error
        }
    }

    static let openBody: [UInt8] = [4, 0xFD, 0xE9, 0, 90, 192, 0, 2, 1, 0]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var code: UInt8
        var subcode: UInt8
        var data: [UInt8]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "marker not all ones", bytes: [0xFE] + marker.dropFirst() + [0, 19, 4], code: 1, subcode: 1, data: []),
        Case(name: "length below 19", bytes: message(length: 18, type: 4, body: []), code: 1, subcode: 2, data: [0, 18]),
        Case(name: "length above 4096", bytes: message(length: 4097, type: 2, body: []), code: 1, subcode: 2, data: [0x10, 0x01]),
        Case(name: "unknown type 7", bytes: message(type: 7, body: []), code: 1, subcode: 3, data: [7]),
        Case(name: "unknown type 0", bytes: message(type: 0, body: []), code: 1, subcode: 3, data: [0]),
        Case(name: "KEEPALIVE of 20 octets", bytes: message(type: 4, body: [0]), code: 1, subcode: 2, data: [0, 20]),
        Case(name: "OPEN of 28 octets", bytes: message(type: 1, body: Array(openBody.prefix(9))), code: 1, subcode: 2, data: [0, 28]),
        Case(name: "UPDATE of 22 octets", bytes: message(type: 2, body: [0, 0, 0]), code: 1, subcode: 2, data: [0, 22]),
        Case(name: "NOTIFICATION of 20 octets", bytes: message(type: 3, body: [6]), code: 1, subcode: 2, data: [0, 20]),
        Case(name: "OPEN version 3", bytes: message(type: 1, body: [3] + openBody.dropFirst()), code: 2, subcode: 1, data: [0, 4]),
        Case(
            name: "OPEN optional parameter type 1",
            bytes: message(type: 1, body: Array(openBody.dropLast()) + [3, 1, 1, 0]), code: 2, subcode: 4, data: []),
        Case(
            name: "OPEN parameters length beyond the message",
            bytes: message(type: 1, body: Array(openBody.dropLast()) + [8, 2, 2, 2, 0]), code: 2, subcode: 0, data: []),
        Case(
            name: "OPEN capability overruns its parameter",
            bytes: message(type: 1, body: Array(openBody.dropLast()) + [4, 2, 2, 65, 4]), code: 2, subcode: 0, data: []),
        Case(
            name: "OPEN 4-octet AS capability of length 2",
            bytes: message(type: 1, body: Array(openBody.dropLast()) + [6, 2, 4, 65, 2, 0, 1]), code: 2, subcode: 0, data: []),
        Case(
            name: "ROUTE-REFRESH of 24 octets",
            bytes: message(type: 5, body: [0, 1, 0, 1, 0]), code: 7, subcode: 1,
            data: message(type: 5, body: [0, 1, 0, 1, 0])),
        Case(name: "UPDATE withdrawn length overrun", bytes: message(type: 2, body: [0, 9, 0, 0]), code: 3, subcode: 1, data: []),
        Case(name: "UPDATE attribute length overrun", bytes: message(type: 2, body: [0, 0, 0, 9, 0x40, 1, 1, 0]), code: 3, subcode: 1, data: []),
        Case(
            name: "UPDATE unrecognized well-known attribute",
            bytes: message(type: 2, body: [0, 0, 0, 4, 0x40, 99, 1, 7]), code: 3, subcode: 2, data: [0x40, 99, 1, 7]),
        Case(
            name: "UPDATE NLRI prefix length 33",
            bytes: message(type: 2, body: [0, 0, 0, 0, 33, 10, 0, 0, 0, 1]), code: 3, subcode: 10, data: []),
        Case(
            name: "UPDATE withdrawn prefix truncated", bytes: message(type: 2, body: [0, 2, 24, 10, 0, 0]), code: 3, subcode: 10, data: []),
        Case(
            name: "UPDATE MP_REACH_NLRI twice",
            bytes: message(type: 2, body: [0, 0, 0, 18] + [0x80, 14, 5, 0, 2, 1, 0, 0] + [0x80, 14, 5, 0, 2, 1, 0, 0]), code: 3,
            subcode: 1, data: []),
        Case(
            name: "UPDATE MP_UNREACH_NLRI overruns the attributes",
            bytes: message(type: 2, body: [0, 0, 0, 4, 0x80, 15, 9, 0]), code: 3, subcode: 1, data: []),
    ]

    @Test(arguments: cases)
    func errorsMapToTheExactNotification(c: Case) throws {
        let error = try #require(Self.error(c.bytes))
        #expect(error.notification == NotificationMessage(code: NotificationCode(rawValue: c.code), subcode: c.subcode, data: c.data))
        #expect(!error.reason.isEmpty)
    }

    @Test func extendedMessageRaisesTheLengthLimit() throws {
        let body = [UInt8](repeating: 0, count: 4)
        let big = Self.message(length: 5000, type: 2, body: body + [UInt8](repeating: 0, count: 5000 - 23))
        #expect(Self.error(big)?.subcode == 2)
        var buffer = ByteBuffer(bytes: big)
        #expect(throws: Never.self) { _ = try BGPFrame.read(from: &buffer, maximumMessageLength: 65535) }
    }

    @Test func notificationDataOfUnknownCodesIsKept() throws {
        let bytes = Self.message(type: 3, body: [42, 7, 1, 2, 3])
        let (message, _) = try GoldenVectorTests.decode(bytes, context: CodecContext())
        #expect(message == .notification(NotificationMessage(code: NotificationCode(rawValue: 42), subcode: 7, data: [1, 2, 3])))
    }

    @Test func longShutdownCommunicationIsCutAtACharacterBoundary() {
        let text = String(repeating: "é", count: 200)  // 400 octets of UTF-8
        let n = NotificationMessage.cease(.administrativeShutdown, communication: text)
        #expect(Int(n.data[0]) == n.data.count - 1)
        #expect(n.data.count - 1 <= 255)
        #expect(n.shutdownCommunication == String(repeating: "é", count: 127))
    }
}
