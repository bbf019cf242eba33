// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPWire
import Foundation
import NIOCore
import Testing

/// Replays every kept fuzzer input through the decoder it was found with. Peer input must never trap: each
/// file must decode or be rejected with a MessageError.
@Suite struct FuzzRegressionTests {
    static var files: [String] { Fixture.names(in: "FuzzRegressions").filter { $0.hasPrefix("Fuzz") } }

    static func context(_ selector: UInt8) -> CodecContext {
        CodecContext(
            fourOctetASN: selector & 1 == 0, addPath: selector & 2 == 0 ? [] : [.ipv4Unicast, .ipv6Unicast],
            externalPeer: selector & 4 == 0, maximumMessageLength: selector & 8 == 0 ? 4096 : 65535)
    }

    @Test(arguments: files)
    func replay(file: String) throws {
        let url = Fixture.directory.appendingPathComponent("FuzzRegressions").appendingPathComponent(file)
        let bytes = [UInt8](try Data(contentsOf: url))
        if file.hasPrefix("FuzzOpen") {
            if let open = try? OpenMessage.decode(body: ByteBuffer(bytes: bytes)) { _ = BGPMessage.open(open).encoded() }
            return
        }
        guard let selector = bytes.first else { return }
        let context = Self.context(selector)
        if file.hasPrefix("FuzzUpdate") {
            if let decoded = try? UpdateMessage.decode(body: ByteBuffer(bytes: bytes.dropFirst()), context: context) {
                _ = decoded.message.treatedAsWithdraw()
            }
            return
        }
        var buffer = ByteBuffer(bytes: bytes.dropFirst())
        while let frame = try? BGPFrame.read(from: &buffer, maximumMessageLength: context.maximumMessageLength) {
            guard let (message, _) = try? BGPMessage.decode(frame, context: context) else { break }
            _ = message.encoded(context: context)
        }
    }

    @Test func regressionsExist() { #expect(!Self.files.isEmpty) }
}
