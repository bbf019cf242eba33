// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.
// Fuzz target: the frame decoder and every message decoder behind it, as a session would run them.

import BGPWire
import FuzzDriver
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // The first byte picks the negotiated context, the rest is the TCP stream.
    guard let selector = bytes.first else { return 0 }
    let context = CodecContext(
        fourOctetASN: selector & 1 == 0, addPath: selector & 2 == 0 ? [] : [.ipv4Unicast, .ipv6Unicast],
        externalPeer: selector & 4 == 0, maximumMessageLength: selector & 8 == 0 ? 4096 : 65535)
    var buffer = ByteBuffer(bytes: bytes.dropFirst())
    while true {
        do {
            guard let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: context.maximumMessageLength) else { break }
            let (message, _) = try BGPMessage.decode(frame, context: context)
            // Whatever decodes must encode again without trapping.
            _ = message.encoded(context: context)
        } catch {
            break
        }
    }
    return 0
}

/// SwiftPM binds `main` to `FuzzFrame_main`; libFuzzer's driver starts from here.
@_cdecl("FuzzFrame_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
