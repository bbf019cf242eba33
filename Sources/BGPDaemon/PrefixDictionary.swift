// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel

/// A dictionary keyed by prefix that stores each family in its own table, so an IPv4 key takes the 8 bytes of an
/// `IPv4Prefix` rather than the 24 of an `IPPrefix` (which must hold an IPv6 prefix): a full table of IPv4 routes
/// in the FIB service costs a third of the memory.
struct PrefixDictionary<Value> {
    private var v4: [IPv4Prefix: Value] = [:]
    private var v6: [IPv6Prefix: Value] = [:]

    /// The value for `prefix`; assigning nil removes it.
    subscript(prefix: IPPrefix) -> Value? {
        get {
            switch prefix {
            case .v4(let p): v4[p]
            case .v6(let p): v6[p]
            }
        }
        set {
            switch prefix {
            case .v4(let p): v4[p] = newValue
            case .v6(let p): v6[p] = newValue
            }
        }
    }

    /// Sets or (with nil) removes the value for `prefix`, returning the one it replaces: one lookup for both.
    @discardableResult
    mutating func update(_ prefix: IPPrefix, to value: Value?) -> Value? {
        switch prefix {
        case .v4(let p): value.map { v4.updateValue($0, forKey: p) } ?? v4.removeValue(forKey: p)
        case .v6(let p): value.map { v6.updateValue($0, forKey: p) } ?? v6.removeValue(forKey: p)
        }
    }

    /// The number of entries.
    var count: Int { v4.count + v6.count }

    /// Every entry, transformed (IPv4 first, each family in no particular order).
    func map<T>(_ transform: (IPPrefix, Value) throws -> T) rethrows -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for (p, v) in v4 { out.append(try transform(.v4(p), v)) }
        for (p, v) in v6 { out.append(try transform(.v6(p), v)) }
        return out
    }

    /// Removes every entry.
    mutating func removeAll() {
        v4.removeAll()
        v6.removeAll()
    }
}
