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
    private struct Entry: Sendable {
        var value: RouteAttributes
        var references: UInt32
    }

    private var entries: [Entry?] = []
    private var index: [RouteAttributes: UInt32] = [:]
    private var freeSlots: [UInt32] = []

    /// Creates an empty store.
    public init() {}

    /// The number of distinct attribute sets stored.
    public var count: Int { index.count }

    /// Returns the identifier for `value`, taking one reference.
    public mutating func intern(_ value: RouteAttributes) -> AttributeID {
        if let slot = index[value] {
            entries[Int(slot)]!.references += 1
            return AttributeID(rawValue: slot)
        }
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            entries[Int(slot)] = Entry(value: value, references: 1)
        } else {
            slot = UInt32(entries.count)
            entries.append(Entry(value: value, references: 1))
        }
        index[value] = slot
        return AttributeID(rawValue: slot)
    }

    /// Takes one more reference on `id` (another path now holds it).
    public mutating func retain(_ id: AttributeID) {
        entries[Int(id.rawValue)]!.references += 1
    }

    /// Gives back one reference; the value is removed when none are left.
    public mutating func release(_ id: AttributeID) {
        let slot = Int(id.rawValue)
        precondition(entries[slot] != nil, "release of \(id), which is not stored")
        // Decrement in place: copying the entry out would copy (retain and release) the attribute arrays.
        entries[slot]!.references -= 1
        if entries[slot]!.references == 0 {
            index[entries[slot]!.value] = nil
            entries[slot] = nil
            freeSlots.append(id.rawValue)
        }
    }

    /// The stored value. `id` must be held by the caller.
    public subscript(id: AttributeID) -> RouteAttributes {
        entries[Int(id.rawValue)]!.value
    }

    /// The reference count of `id` (for tests and the CLI).
    public func references(_ id: AttributeID) -> Int { Int(entries[Int(id.rawValue)]?.references ?? 0) }
}
