// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// libFuzzer targets for Peerlet's decoders. Build and run with testbed/fuzz/run.sh (it passes
// -sanitize=fuzzer,address). Crashers go to Tests/BGPWireTests/FuzzRegressions/ (Tests/NetlinkMNLTests/FuzzRegressions/ for FuzzNetlink)
// and replay in `swift test`.
import Foundation
import PackageDescription

// A path dependency's identity is its directory name, which is whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let peerlet = root.lastPathComponent.lowercased()

let package = Package(
    name: "peerlet-fuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzFrame", dependencies: ["FuzzDriver", .product(name: "BGPWire", package: peerlet)]),
        .executableTarget(name: "FuzzOpen", dependencies: ["FuzzDriver", .product(name: "BGPWire", package: peerlet)]),
        .executableTarget(name: "FuzzUpdate", dependencies: ["FuzzDriver", .product(name: "BGPWire", package: peerlet)]),
        .executableTarget(name: "FuzzNetlink", dependencies: ["FuzzDriver", .product(name: "NetlinkMNL", package: peerlet)]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzDriver", .product(name: "BGPConfig", package: peerlet)]),
    ],
    swiftLanguageModes: [.v6]
)
