// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel

/// A prefix type the RIB can index: hashable by a cheap multiplicative hash rather than SipHash (prefix keys are
/// not attacker-chosen in a way that matters here: a neighbour can only fill its own max-prefix budget).
protocol RIBPrefix: Hashable, Sendable {
    /// A well-mixed 64-bit hash of everything but the `neighborhood` bits.
    var mixedHash: UInt64 { get }
    /// The four lowest significant bits of the network address (0...15): neighbouring prefixes of one length
    /// differ only here, and the index keeps them in neighbouring buckets.
    var neighborhood: UInt32 { get }
}

extension IPv4Prefix: RIBPrefix {
    @inline(__always)
    private var significantBits: UInt32 { length == 0 ? 0 : address.rawValue >> (32 - UInt32(length)) }

    @inline(__always)
    var mixedHash: UInt64 { (UInt64(significantBits >> 4) << 8 | UInt64(length)) &* 0x9E37_79B9_7F4A_7C15 }

    @inline(__always)
    var neighborhood: UInt32 { significantBits & 15 }
}

extension IPv6Prefix: RIBPrefix {
    @inline(__always)
    private var significantLow: UInt64 {
        // The 64 bits ending at the prefix's last significant bit.
        switch length {
        case 0: 0
        case 1...64: address.high >> (64 - UInt64(length))
        case 65..<128: address.high << (UInt64(length) - 64) | address.low >> (128 - UInt64(length))
        default: address.low
        }
    }

    @inline(__always)
    var mixedHash: UInt64 {
        (address.high &* 0x9E37_79B9_7F4A_7C15 ^ (significantLow >> 4) &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(length)) &* 0x1656_67B1_9E37_79F9
    }

    @inline(__always)
    var neighborhood: UInt32 { UInt32(truncatingIfNeeded: significantLow & 15) }
}

/// An open-addressing hash index from a prefix to its slot in the dense arrays of a `RouteTable`.
///
/// A bucket is 8 bytes: a 32-bit tag and `slot + 1` (0 is empty); the keys themselves stay in the table's prefix
/// array. The tag is the top 28 bits of the key's hash and its 4 `neighborhood` bits; an entry's home bucket is
/// the hash's neighbourhood of 16 buckets plus those 4 bits, so the prefixes of a dense block (pod addresses)
/// share cache lines instead of missing once each. Because the tag alone determines the home bucket (tables
/// never exceed 2^28 buckets), probing compares tags before touching a key, and insertion, growth and
/// backward-shift deletion never read keys: a lookup costs about one cache miss for the bucket and one for the key
/// that matches, shared between neighbours. Linear probing, doubling at 75 % load.
struct PrefixIndex: Sendable {
    private var buckets: [UInt64] = Array(repeating: 0, count: 16)
    private var shift: UInt64 = 60  // 64 - log2(buckets.count); always >= 32
    private(set) var count = 0

    private var mask: Int { buckets.count - 1 }

    @inline(__always)
    private func home(tag: UInt32) -> Int {
        Int(truncatingIfNeeded: ((UInt64(tag >> 4) << 36) >> shift &+ UInt64(tag & 15))) & mask
    }

    @inline(__always)
    private static func tag<P: RIBPrefix>(_ key: P) -> UInt32 {
        UInt32(truncatingIfNeeded: key.mixedHash >> 36) << 4 | key.neighborhood
    }

    /// The slot stored for `key`, reading keys through `keyAt` only when the hash bits match.
    @inline(__always)
    func find<P: RIBPrefix>(_ key: P, keyAt: (UInt32) -> P) -> UInt32? {
        let tag = Self.tag(key)
        var i = home(tag: tag)
        while true {
            let entry = buckets[i]
            if entry == 0 { return nil }
            if UInt32(truncatingIfNeeded: entry >> 32) == tag {
                let slot = UInt32(truncatingIfNeeded: entry) - 1
                if keyAt(slot) == key { return slot }
            }
            i = (i + 1) & mask
        }
    }

    /// Inserts `slot` for `key` (which must not be present).
    mutating func insert<P: RIBPrefix>(_ key: P, slot: UInt32) {
        if (count + 1) * 4 > buckets.count * 3 { grow() }
        let tag = Self.tag(key)
        var i = home(tag: tag)
        while buckets[i] != 0 { i = (i + 1) & mask }
        buckets[i] = UInt64(tag) << 32 | UInt64(slot + 1)
        count += 1
    }

    /// Removes the entry of `key`, known to be stored at `slot`, without reading any key.
    mutating func remove<P: RIBPrefix>(_ key: P, slot: UInt32) {
        let tag = Self.tag(key)
        let wanted = UInt64(tag) << 32 | UInt64(slot + 1)
        var i = home(tag: tag)
        while buckets[i] != wanted {
            precondition(buckets[i] != 0, "PrefixIndex.remove of an absent entry")
            i = (i + 1) & mask
        }
        // Backward-shift deletion: move later members of the probe run into the hole when their home allows it.
        var hole = i
        var j = (i + 1) & mask
        while buckets[j] != 0 {
            let h = home(tag: UInt32(truncatingIfNeeded: buckets[j] >> 32))
            // The entry at j may move to the hole unless its home lies in the cyclic range (hole, j].
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange {
                buckets[hole] = buckets[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
    }

    private mutating func grow() {
        precondition(shift > 36, "PrefixIndex beyond 2^28 buckets")
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        shift -= 1
        for entry in old where entry != 0 {
            var i = home(tag: UInt32(truncatingIfNeeded: entry >> 32))
            while buckets[i] != 0 { i = (i + 1) & mask }
            buckets[i] = entry
        }
    }
}
