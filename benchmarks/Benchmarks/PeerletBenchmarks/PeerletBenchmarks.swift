// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import BGPWire
import Benchmark
import NIOCore

/// 810 IPv4 /32s in one full UPDATE, as the side-by-side harness sends them.
let fullUpdate: ByteBuffer = {
    let nlri = (0..<810).map { NLRI(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32($0)), length: 32)) }
    return UpdateBuilder(context: CodecContext()).announcements(
        family: .ipv4Unicast, attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001]), nextHop: IPv4Address("10.99.1.1")),
        nlri: nlri)[0]
}()

let hostRoutes = (0..<100_000).map { RoutePrefix(.v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32($0)), length: 32))) }
let attributes = RouteAttributes(attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [65001])), nextHop: IPAddress("10.99.1.1"))

func freshRIB() -> RIB {
    var rib = RIB(configuration: RIBConfiguration(localAS: 65000, routerID: RouterID("10.99.1.2")!))
    rib.setPeer(RIBPeer(id: PeerID(1), address: IPAddress("10.99.1.1")!, asn: 65001, routerID: RouterID("10.99.1.1")!, isExternal: true))
    return rib
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    Benchmark("decode UPDATE of 810 /32s") { benchmark in
        for _ in benchmark.scaledIterations {
            var buffer = fullUpdate
            let frame = try BGPFrame.read(from: &buffer, maximumMessageLength: 4096)!
            blackHole(try BGPMessage.decode(frame, context: CodecContext()))
        }
    }

    Benchmark("RIB insert 100k /32s, one attribute set", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var rib = freshRIB()
            benchmark.startMeasurement()
            blackHole(rib.update(from: PeerID(1), announced: hostRoutes, attributes: attributes))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("RIB withdraw 100k /32s", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var rib = freshRIB()
            _ = rib.update(from: PeerID(1), announced: hostRoutes, attributes: attributes)
            benchmark.startMeasurement()
            blackHole(rib.update(from: PeerID(1), withdrawn: hostRoutes))
            benchmark.stopMeasurement()
        }
    }

    let nlri = hostRoutes.map { NLRI(prefix: $0.prefix) }
    Benchmark("UPDATE packing of 100k /32s", configuration: .init(scalingFactor: .one)) { benchmark in
        let builder = UpdateBuilder(context: CodecContext())
        for _ in benchmark.scaledIterations {
            blackHole(builder.announcements(family: .ipv4Unicast, attributes: attributes.attributes, nlri: nlri))
        }
    }
}
