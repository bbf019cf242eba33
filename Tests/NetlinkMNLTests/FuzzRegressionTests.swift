// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
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
        _ = data.withUnsafeBytes { NextHopMessageParser.parse($0) }
        _ = data.withUnsafeBytes { NextHopMessageParser.nextHopID(ofRoute: $0) }
        _ = data.withUnsafeBytes { AddressMessageParser.parse($0) }
    }

    /// Recorded from this kernel (`ip nexthop add id 0x50550000 via 10.77.0.2 dev r0 proto 186`, a second gateway,
    /// `group 0x50550000/0x50550001,3`, and a route `nhid` of the group), dumped with RTM_GETNEXTHOP/RTM_GETROUTE.
    @Test func recordedNextHopObjectsAndRouteParse() throws {
        let group = try Self.bytes("FuzzNetlink-seed-recorded-nexthop-group")
        #expect(group.withUnsafeBytes { NextHopMessageParser.parse($0) } == NextHopObject(
            id: 0x5055_0002, content: .group([.init(id: 0x5055_0000), .init(id: 0x5055_0001, weight: 3)]), protocolNumber: 186))
        let gateway = try Self.bytes("FuzzNetlink-seed-recorded-nexthop-gateway")
        let parsed = gateway.withUnsafeBytes { NextHopMessageParser.parse($0) }
        guard case .gateway(let address, _)? = parsed?.content else {
            Issue.record("gateway object not parsed")
            return
        }
        #expect(address == IPAddress("10.77.0.2") || address == IPAddress("10.77.0.3"))
        let route = try Self.bytes("FuzzNetlink-seed-recorded-route-nhid")
        #expect(route.withUnsafeBytes { NextHopMessageParser.nextHopID(ofRoute: $0) } == 0x5055_0002)
        // The kernel's compatibility mode also reports the group's gateways, weights included.
        let hops = route.withUnsafeBytes { RouteMessageParser.parse($0) }?.nextHops
        #expect(hops?.map(\.gateway) == [IPAddress("10.77.0.2"), IPAddress("10.77.0.3")])
        #expect(hops?.map(\.weight) == [1, 3])
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
