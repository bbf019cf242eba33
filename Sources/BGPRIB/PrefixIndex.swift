// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel

/// A prefix type the RIB can index: hashable by a cheap multiplicative hash rather than SipHash (prefix keys are
/// not attacker-chosen in a way that matters here: a neighbour can only fill its own max-prefix budget).
protocol RIBPrefix: Hashable, Sendable {
    /// A well-mixed 64-bit hash.
    var mixedHash: UInt64 { get }
}

extension IPv4Prefix: RIBPrefix {
    @inline(__always)
    var mixedHash: UInt64 { (UInt64(address.rawValue) << 8 | UInt64(length)) &* 0x9E37_79B9_7F4A_7C15 }
}

extension IPv6Prefix: RIBPrefix {
    @inline(__always)
    var mixedHash: UInt64 {
        (address.high &* 0x9E37_79B9_7F4A_7C15 ^ address.low &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(length)) &* 0x1656_67B1_9E37_79F9
    }
}

/// An open-addressing hash index from a prefix to its slot in the dense arrays of a `RouteTable`. Buckets hold
/// only `slot + 1` (0 is empty), four bytes each; the keys are read from the table's prefix array. Linear probing
/// with backward-shift deletion keeps lookups short without tombstones; the table doubles at 75 % load.
struct PrefixIndex: Sendable {
    private var buckets: [UInt32] = Array(repeating: 0, count: 16)
    private var shift: UInt64 = 60  // 64 - log2(buckets.count)
    private(set) var count = 0

    private var mask: Int { buckets.count - 1 }

    @inline(__always)
    private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> shift) }

    /// The slot stored for `key`, reading keys through `keyAt`.
    @inline(__always)
    func find<P: RIBPrefix>(_ key: P, keyAt: (UInt32) -> P) -> UInt32? {
        var i = home(key.mixedHash)
        while true {
            let entry = buckets[i]
            if entry == 0 { return nil }
            if keyAt(entry - 1) == key { return entry - 1 }
            i = (i + 1) & mask
        }
    }

    /// Inserts `slot` for `key` (which must not be present).
    mutating func insert<P: RIBPrefix>(_ key: P, slot: UInt32, keyAt: (UInt32) -> P) {
        if (count + 1) * 4 > buckets.count * 3 { grow(keyAt: keyAt) }
        var i = home(key.mixedHash)
        while buckets[i] != 0 { i = (i + 1) & mask }
        buckets[i] = slot + 1
        count += 1
    }

    /// Removes `key`, returning its slot.
    mutating func remove<P: RIBPrefix>(_ key: P, keyAt: (UInt32) -> P) -> UInt32? {
        var i = home(key.mixedHash)
        while true {
            let entry = buckets[i]
            if entry == 0 { return nil }
            if keyAt(entry - 1) == key { break }
            i = (i + 1) & mask
        }
        let removed = buckets[i] - 1
        // Backward-shift deletion: move later members of the probe run into the hole when their home allows it.
        var hole = i
        var j = (i + 1) & mask
        while buckets[j] != 0 {
            let h = home(keyAt(buckets[j] - 1).mixedHash)
            // The entry at j may move to the hole if its home is not in the cyclic range (hole, j].
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange {
                buckets[hole] = buckets[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
        return removed
    }

    private mutating func grow<P: RIBPrefix>(keyAt: (UInt32) -> P) {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        for entry in old where entry != 0 {
            var i = home(keyAt(entry - 1).mixedHash)
            while buckets[i] != 0 { i = (i + 1) & mask }
            buckets[i] = entry
        }
    }
}
