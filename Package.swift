// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// The manifest is the fence between the layers: pure targets (BGPModel, BGPWire, BGPSession, BGPConfig)
// never see NIOPosix, Foundation or a C module. See docs/architecture.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "peerlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "peerletd", targets: ["peerletd"]),
        .executable(name: "peerlet", targets: ["peerlet"]),
        .library(name: "BGPWire", targets: ["BGPWire"]),
        .library(name: "BGPRIB", targets: ["BGPRIB"]),
        .library(name: "NetlinkMNL", targets: ["NetlinkMNL"]),
        .library(name: "BGPConfig", targets: ["BGPConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: - Pure core
        .target(name: "BGPModel", swiftSettings: strict),
        .target(
            name: "BGPWire",
            dependencies: ["BGPModel", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(name: "BGPSession", dependencies: ["BGPWire", "BGPModel"], swiftSettings: strict),
        .target(
            name: "BGPRIB",
            dependencies: ["BGPModel"],
            swiftSettings: strict
        ),
        .target(name: "FIBSync", dependencies: ["BGPModel"], swiftSettings: strict),
        .systemLibrary(name: "CMNL", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .target(name: "NetlinkMNL", dependencies: ["FIBSync", "BGPModel", "CMNL"], swiftSettings: strict),
        .target(
            name: "BGPConfig",
            dependencies: ["BGPModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),

        // MARK: - Operator surface (the API's JSON model is pure; only PeerletServer sees Hummingbird)
        .target(name: "PeerletAPI", swiftSettings: strict),
        .target(
            name: "PeerletServer",
            dependencies: [
                "PeerletAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(name: "PeerletCLIKit", dependencies: ["PeerletAPI"], swiftSettings: strict),

        // MARK: - Runtime
        .target(
            name: "BGPDaemon",
            dependencies: [
                "BGPModel", "BGPWire", "BGPSession", "BGPConfig", "BGPRIB", "FIBSync", "NetlinkMNL", "PeerletAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "peerletd",
            dependencies: [
                "BGPDaemon", "BGPConfig", "PeerletServer", "PeerletAPI",
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "peerlet",
            dependencies: [
                "PeerletAPI", "PeerletCLIKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // MARK: - Tests

        .target(name: "BGPTestSupport", path: "Sources/BGPTestSupport"),
        .testTarget(
            name: "BGPModelTests",
            dependencies: ["BGPModel", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "BGPWireTests",
            dependencies: [
                "BGPWire", "BGPModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                "BGPTestSupport",
            ],
            exclude: ["Fixtures", "FuzzRegressions", "Captures"]
        ),
        .testTarget(name: "BGPSessionTests", dependencies: ["BGPSession", "BGPWire", "BGPModel"]),
        .testTarget(name: "FIBSyncTests", dependencies: ["FIBSync", "BGPModel"]),
        .testTarget(name: "NetlinkMNLTests", dependencies: ["NetlinkMNL", "FIBSync", "BGPModel"], exclude: ["FuzzRegressions"]),
        .testTarget(
            name: "BGPRIBTests",
            dependencies: [
                "BGPRIB", "BGPModel", "BGPConfig", "BGPTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "BGPConfigTests", dependencies: ["BGPConfig", "BGPModel"], exclude: ["Fixtures", "FuzzRegressions"]),
        .testTarget(name: "PeerletCLIKitTests", dependencies: ["PeerletCLIKit", "PeerletAPI"]),
        .testTarget(
            name: "BGPDaemonTests",
            dependencies: [
                "BGPDaemon", "BGPSession", "BGPWire", "BGPModel", "BGPConfig", "BGPRIB",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
