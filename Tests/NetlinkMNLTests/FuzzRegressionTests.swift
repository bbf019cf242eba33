// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import FIBSync
import Foundation
import NetlinkMNL
import Testing

/// Replays every input in `FuzzRegressions/` (seeds, hand-made malformed messages and whatever
/// `testbed/fuzz/run.sh FuzzNetlink` found) through the netlink parsers: none may trap, and what the malformed
/// ones yield is checked.
@Suite struct NetlinkFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix("FuzzNetlink-") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test(arguments: files)
    func replay(file: String) throws {
        let data = try Self.bytes(file)
        _ = data.withUnsafeBytes { LinkMessageParser.parse($0) }
        _ = data.withUnsafeBytes { RouteMessageParser.parseNotification($0) }
    }

    @Test func malformedOnesAreRejectedAndSeedsParse() throws {
        #expect(Self.files.count >= 4)
        let overrun = try Self.bytes("FuzzNetlink-hand-multipath-overrun")
        // The multipath attribute is inconsistent: the route parses with no next hops or not at all, never traps.
        if let (route, removed) = overrun.withUnsafeBytes({ RouteMessageParser.parseNotification($0) }) {
            #expect(removed)
            #expect(route.nextHops.count <= 1)
        }
        let cut = try Self.bytes("FuzzNetlink-hand-ipvlan-data-cut")
        #expect(cut.withUnsafeBytes { LinkMessageParser.parse($0) } == nil)
        let veth = try Self.bytes("FuzzNetlink-seed-recorded-veth-newlink")
        guard case .link(let link)? = veth.withUnsafeBytes({ LinkMessageParser.parse($0) }) else {
            Issue.record("recorded veth did not parse")
            return
        }
        #expect(link.name == "cali7f3a")
    }
}
