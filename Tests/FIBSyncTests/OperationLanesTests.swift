// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Testing

/// Operations split into concurrent lanes keep every pair of overlapping prefixes in one lane, in order.
@Suite struct OperationLanesTests {
    static func op(_ prefix: String, remove: Bool = false) -> FIBOperation {
        let route = KernelRoute(prefix: IPPrefix(prefix)!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.0.1"))])
        return remove ? .remove(route) : .install(route)
    }

    /// Every index once; each lane in ascending order; overlapping prefixes in the same lane.
    static func check(_ operations: [FIBOperation], lanes: Int) -> [[Int]] {
        let split = OperationLanes.split(operations, lanes: lanes)
        #expect(split.count == lanes)
        #expect(split.flatMap { $0 }.sorted() == Array(operations.indices))
        for lane in split { #expect(lane == lane.sorted()) }
        var laneOf: [Int: Int] = [:]
        for (lane, indices) in split.enumerated() { for i in indices { laneOf[i] = lane } }
        for i in operations.indices {
            for j in operations.indices where i < j {
                let (a, b) = (operations[i].route.prefix, operations[j].route.prefix)
                if a.contains(b) || b.contains(a) { #expect(laneOf[i] == laneOf[j], "\(a) and \(b) overlap") }
            }
        }
        return split
    }

    @Test func hostRoutesSpreadEvenly() {
        let operations = (0..<2_000).map { i in
            FIBOperation.install(KernelRoute(prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32(i)), length: 32)), nextHops: []))
        }
        let split = Self.check(operations, lanes: 2)
        #expect(split.allSatisfy { $0.count > 900 })
    }

    @Test func coveringPrefixesShareALane() {
        var operations: [FIBOperation] = []
        for i in 0..<64 {
            operations.append(Self.op("10.\(i).0.0/16"))
            operations.append(Self.op("10.\(i).\(i).0/24", remove: true))
            operations.append(Self.op("10.\(i).\(i).7/32"))
            operations.append(Self.op("2001:db8:\(i)::/48"))
            operations.append(Self.op("2001:db8:\(i):1::/64", remove: true))
        }
        let split = Self.check(operations, lanes: 2)
        #expect(split.allSatisfy { !$0.isEmpty })
    }

    @Test func aDefaultRouteSerialisesItsFamilyOnly() {
        var operations = [Self.op("0.0.0.0/0")]
        operations += (0..<100).map { Self.op("10.0.\($0).0/24") }
        operations += (0..<100).map { Self.op("2001:db8:\($0)::/48") }
        let split = Self.check(operations, lanes: 2)
        #expect(Set(split[0]).isSuperset(of: 0...100))
        #expect(split[1].allSatisfy { $0 > 100 })
        #expect(OperationLanes.split(operations, lanes: 1) == [Array(operations.indices)])
    }
}
