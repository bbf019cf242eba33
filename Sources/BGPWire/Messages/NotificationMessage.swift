// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A NOTIFICATION message (RFC 4271 §4.5).
public struct NotificationMessage: Hashable, Sendable, CustomStringConvertible {
    /// The error code.
    public var code: NotificationCode
    /// The error subcode.
    public var subcode: UInt8
    /// The data field.
    public var data: [UInt8]

    /// Creates a NOTIFICATION.
    public init(code: NotificationCode, subcode: UInt8, data: [UInt8] = []) {
        self.code = code
        self.subcode = subcode
        self.data = data
    }

    /// A Cease NOTIFICATION; for Administrative Shutdown and Reset, `communication` is sent as the RFC 9003
    /// Shutdown Communication (UTF-8, at most 255 octets; longer text is cut at a character boundary).
    public static func cease(_ subcode: CeaseSubcode, communication: String? = nil) -> NotificationMessage {
        var data: [UInt8] = []
        if let communication, subcode == .administrativeShutdown || subcode == .administrativeReset {
            var bytes = Array(communication.utf8)
            if bytes.count > 255 {
                // Cut at a UTF-8 character boundary: drop continuation bytes (10xxxxxx) at the cut.
                var end = 255
                while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
                bytes = Array(bytes[..<end])
            }
            data = [UInt8(bytes.count)] + bytes
        }
        return NotificationMessage(code: .cease, subcode: subcode.rawValue, data: data)
    }

    /// The RFC 9003 Shutdown Communication, if this is a Cease/Administrative Shutdown or Reset carrying a
    /// well-formed one (RFC 9003 §2: a length octet then that many octets of UTF-8).
    public var shutdownCommunication: String? {
        guard code == .cease, subcode == 2 || subcode == 4, let length = data.first, length > 0,
            data.count >= 1 + Int(length)
        else { return nil }
        let bytes = data[1...Int(length)]
        var decoded = ""
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): decoded.unicodeScalars.append(scalar)
            case .emptyInput: return decoded
            case .error: return nil
            }
        }
    }

    public var description: String {
        var text = "\(code)/\(code.describe(subcode: subcode)) (\(code.rawValue)/\(subcode))"
        if let communication = shutdownCommunication {
            text += ": \"\(communication)\""
        } else if !data.isEmpty {
            text += " data " + data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        return text
    }
}
