// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.
// Fuzz target: the configuration loader (YAML through Yams, then validation) and the environment substitution.
// Whatever the bytes, the result is a configuration or diagnostics with a position, never a trap.

import BGPConfig
import FuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let substituted = try EnvironmentSubstitution.apply(text, environment: ["TOR": "10.0.0.1"], file: "fuzz.yaml")
        _ = try ConfigLoader.load(substituted, file: "fuzz.yaml")
    } catch {
        precondition(!error.diagnostics.isEmpty, "an error without a diagnostic")
        for d in error.diagnostics { precondition(d.line >= 1 && d.column >= 1, "a diagnostic without a position: \(d)") }
    }
    return 0
}

/// SwiftPM binds `main` to `FuzzConfig_main`; libFuzzer's driver starts from here.
@_cdecl("FuzzConfig_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
