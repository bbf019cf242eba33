// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.
// Fuzz target: the OPEN body decoder (RFC 4271 §4.2, RFC 5492, RFC 9072); a decoded OPEN must round-trip.

import BGPWire
import FuzzDriver
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    guard let open = try? OpenMessage.decode(body: body) else { return 0 }
    var encoded = BGPMessage.open(open).encoded()
    guard let frame = try? BGPFrame.read(from: &encoded, maximumMessageLength: 65535),
        let (again, _) = try? BGPMessage.decode(frame, context: CodecContext())
    else {
        // Only an OPEN too large for one message may fail to come back.
        precondition(BGPMessage.open(open).encoded().readableBytes > 4096, "decoded OPEN did not round-trip")
        return 0
    }
    precondition(again == .open(open), "OPEN round trip changed the value")
    return 0
}

/// SwiftPM binds `main` to `FuzzOpen_main`; libFuzzer's driver starts from here.
@_cdecl("FuzzOpen_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
