// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// libFuzzer targets for Peerlet's decoders. Build and run with testbed/fuzz/run.sh (it passes
// -sanitize=fuzzer,address). Crashers go to Tests/BGPWireTests/FuzzRegressions/ and replay in `swift test`.
import PackageDescription

let package = Package(
    name: "peerlet-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "FuzzFrame", dependencies: [.product(name: "BGPWire", package: "main")]),
        .executableTarget(name: "FuzzOpen", dependencies: [.product(name: "BGPWire", package: "main")]),
        .executableTarget(name: "FuzzUpdate", dependencies: [.product(name: "BGPWire", package: "main")]),
    ],
    swiftLanguageModes: [.v6]
)
