// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// Micro-benchmarks (package-benchmark): `cd benchmarks && swift package benchmark`. A separate package, so the
// main build and CI do not compile the benchmark tooling. Figures and the side-by-side runs: docs/benchmarks.md.
import Foundation
import PackageDescription

// A path dependency's identity is its directory name, which is whatever the checkout is called.
let peerlet = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "peerlet-benchmarks",
    platforms: [.macOS(.v15)],
    products: [.library(name: "PeerletBenchmarkLibrary", targets: ["PeerletBenchmarkLibrary"])],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The main package exposes BGPWire as a product; the RIB is reached through this small re-export target.
        .target(name: "PeerletBenchmarkLibrary", dependencies: [.product(name: "BGPWire", package: peerlet)]),
        .executableTarget(
            name: "PeerletBenchmarks",
            dependencies: [
                "PeerletBenchmarkLibrary",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "BGPWire", package: peerlet),
                .product(name: "BGPRIB", package: peerlet),
            ],
            path: "Benchmarks/PeerletBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
