// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel

/// Splits a run of operations into lanes that may be applied concurrently (one netlink socket each) without
/// changing what forwarding sees: operations on overlapping prefixes — the same prefix, or one covering the other
/// — always share a lane and keep their order, so a more specific route is never removed before, or installed
/// after, a change of its covering route that came later. Operations on disjoint prefixes commute.
///
/// The rule: with `k` the shortest prefix length of a family among the operations, two prefixes of that family
/// overlap only if their first `k` bits are equal, so the lane is a hash of those bits. A default route (k = 0)
/// puts the whole family in one lane. IPv4 and IPv6 never overlap. Pure, so the rule is tested without a kernel.
public enum OperationLanes {
    /// The indices of `operations` per lane, each in the original order.
    public static func split(_ operations: [FIBOperation], lanes: Int) -> [[Int]] {
        guard lanes > 1 else { return [Array(operations.indices)] }
        var shortest4: UInt8 = 32
        var shortest6: UInt8 = 128
        for operation in operations {
            switch operation.route.prefix {
            case .v4(let p): shortest4 = min(shortest4, p.length)
            case .v6(let p): shortest6 = min(shortest6, p.length)
            }
        }
        var result = [[Int]](repeating: [], count: lanes)
        for (index, operation) in operations.enumerated() {
            result[lane(of: operation.route.prefix, shortest4: shortest4, shortest6: shortest6, lanes: lanes)].append(index)
        }
        return result
    }

    /// The lane of one prefix, from its first `shortest` bits.
    static func lane(of prefix: IPPrefix, shortest4: UInt8, shortest6: UInt8, lanes: Int) -> Int {
        let bits: UInt64
        switch prefix {
        case .v4(let p):
            guard shortest4 > 0 else { return 0 }
            bits = UInt64(p.address.rawValue >> (32 - UInt32(shortest4))) | 1 << 40
        case .v6(let p):
            guard shortest6 > 0 else { return 0 }
            if shortest6 <= 64 {
                bits = p.address.high >> (64 - UInt64(shortest6))
            } else {
                bits = p.address.high ^ (p.address.low >> (128 - UInt64(shortest6))) &* 0x9E37_79B9_7F4A_7C15
            }
        }
        // Fibonacci hashing: consecutive prefixes spread evenly over the lanes.
        return Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> 33) % lanes
    }
}
