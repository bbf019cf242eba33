// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// SplitMix64: a small deterministic generator held by value inside the state machine, so jitter needs no
/// global randomness and a seed replays a run exactly.
struct JitterGenerator: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// RFC 4271 §10: "a random factor ... between 0.75 and 1.0".
    mutating func jitter(_ duration: Duration) -> Duration {
        let factor = Double.random(in: 0.75...1.0, using: &self)
        return duration * factor
    }
}
