// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.
// Fuzz target: the UPDATE body decoder with RFC 7606 classification; a clean decode must round-trip.

import BGPWire
import FuzzDriver
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let selector = bytes.first else { return 0 }
    let context = CodecContext(
        fourOctetASN: selector & 1 == 0, addPath: selector & 2 == 0 ? [] : [.ipv4Unicast, .ipv6Unicast],
        externalPeer: selector & 4 == 0)
    guard let decoded = try? UpdateMessage.decode(body: ByteBuffer(bytes: bytes.dropFirst()), context: context) else { return 0 }
    _ = decoded.message.treatedAsWithdraw()
    guard decoded.issues.isEmpty, context.fourOctetASN else { return 0 }
    var body = ByteBuffer()
    decoded.message.encodeBody(into: &body, context: context)
    guard let again = try? UpdateMessage.decode(body: body, context: context) else {
        preconditionFailure("a clean UPDATE failed to decode after re-encoding")
    }
    precondition(again.message == decoded.message, "UPDATE round trip changed the value")
    return 0
}

/// SwiftPM binds `main` to `FuzzUpdate_main`; libFuzzer's driver starts from here.
@_cdecl("FuzzUpdate_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
