// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Foundation
import NIOCore

/// Loads annotated hex fixtures: `#` starts a comment, whitespace is ignored.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func bytes(_ name: String, in folder: String = "Fixtures") throws -> [UInt8] {
        let url = directory.appendingPathComponent(folder).appendingPathComponent(name)
        return hex(try String(contentsOf: url, encoding: .utf8))
    }

    static func hex(_ text: String) -> [UInt8] {
        let digits = text.split(separator: "\n").map { line in
            line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }.joined().filter { $0.isHexDigit }
        var result: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            result.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    static func buffer(_ name: String) throws -> ByteBuffer { ByteBuffer(bytes: try bytes(name)) }

    static func names(in folder: String) -> [String] {
        let url = directory.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}
