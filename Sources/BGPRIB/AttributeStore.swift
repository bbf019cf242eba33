// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The identifier of an interned `RouteAttributes` value: four bytes in every path instead of the value.
public struct AttributeID: Hashable, Sendable, CustomStringConvertible {
    /// The index into the store.
    public var rawValue: UInt32
    /// Creates an identifier.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public var description: String { "attrs#\(rawValue)" }
}

/// Interned attribute sets with reference counts (BIRD's cached `rta`, holo's `AttrSets`).
///
/// `intern` returns the identifier of an equal stored value, or stores a new one; every path that holds an
/// identifier owns one reference and gives it back with `release`. A value whose count drops to zero is removed
/// at once, so announcing and then withdrawing everything leaves the store empty.
public struct AttributeStore: Sendable {
    private var values: [RouteAttributes?] = []
    /// Reference counts, apart from the values so that counting never copies (retains) a value.
    private var references: [UInt32] = []
    private var index: [RouteAttributes: UInt32] = [:]
    private var freeSlots: [UInt32] = []

    /// Creates an empty store.
    public init() {}

    /// The number of distinct attribute sets stored.
    public var count: Int { index.count }

    /// Returns the identifier for `value`, taking one reference.
    public mutating func intern(_ value: RouteAttributes) -> AttributeID {
        if let slot = index[value] {
            references[Int(slot)] += 1
            return AttributeID(rawValue: slot)
        }
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            values[Int(slot)] = value
            references[Int(slot)] = 1
        } else {
            slot = UInt32(values.count)
            values.append(value)
            references.append(1)
        }
        index[value] = slot
        return AttributeID(rawValue: slot)
    }

    /// Takes one more reference on `id` (another path now holds it).
    public mutating func retain(_ id: AttributeID) {
        references[Int(id.rawValue)] += 1
    }

    /// Gives back `count` references; the value is removed when none are left.
    public mutating func release(_ id: AttributeID, count: UInt32 = 1) {
        let slot = Int(id.rawValue)
        precondition(references[slot] >= count, "release of \(id) beyond its references")
        references[slot] -= count
        if references[slot] == 0 {
            index[values[slot]!] = nil
            values[slot] = nil
            freeSlots.append(id.rawValue)
        }
    }

    /// The stored value. `id` must be held by the caller.
    public subscript(id: AttributeID) -> RouteAttributes {
        values[Int(id.rawValue)]!
    }

    /// The reference count of `id` (for tests and the CLI).
    public func references(_ id: AttributeID) -> Int { Int(id.rawValue) < references.count ? Int(references[Int(id.rawValue)]) : 0 }
}
