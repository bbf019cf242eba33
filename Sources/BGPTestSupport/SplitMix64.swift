// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A seeded generator for property tests: one seed from the property-testing library builds one whole
/// structured input (messages, update sequences), reproducibly. Test-only: never a dependency of a product target.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's state.
    public var state: UInt64

    /// Creates a generator from a seed.
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly random integer in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    /// A random Boolean.
    public mutating func bool() -> Bool { Bool.random(using: &self) }
    /// A random non-zero 32-bit value.
    public mutating func u32() -> UInt32 { UInt32.random(in: 1...UInt32.max, using: &self) }
}
