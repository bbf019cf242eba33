// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import PropertyBased
import Testing

@testable import BGPRIB

/// The open-addressing index against a dictionary model, under random inserts and deletes (backward-shift
/// deletion is where such tables go wrong).
@Suite struct PrefixIndexTests {
    @Test func behavesLikeADictionary() async {
        await propertyCheck(count: 200, input: Gen<UInt64>.value()) { seed in
            var rng = SplitMix(state: seed)
            var index = PrefixIndex()
            var keys: [IPv4Prefix] = []  // slot -> key
            var model: [IPv4Prefix: UInt32] = [:]
            // A small key space forces long probe runs, collisions and reuse.
            let universe = (0..<Int.random(in: 8...200, using: &rng)).map {
                IPv4Prefix(address: IPv4Address(rawValue: UInt32($0) << 8 | (Bool.random(using: &rng) ? 0x0A00_0000 : 0)), length: 24)
            }
            for _ in 0..<Int.random(in: 50...2000, using: &rng) {
                let key = universe.randomElement(using: &rng)!
                if let slot = model[key], Bool.random(using: &rng) {
                    #expect(index.find(key) { keys[Int($0)] } == slot)
                    index.remove(key, slot: slot)
                    model[key] = nil
                } else if model[key] == nil {
                    let slot = UInt32(keys.count)
                    keys.append(key)
                    index.insert(key, slot: slot)
                    model[key] = slot
                }
                #expect(index.count == model.count)
            }
            for key in universe {
                #expect(index.find(key) { keys[Int($0)] } == model[key])
            }
        }
    }

    @Test func millionsOfHostRoutesStayFindable() {
        var index = PrefixIndex()
        let keys = (0..<200_000).map { IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32($0)), length: 32) }
        for (i, key) in keys.enumerated() { index.insert(key, slot: UInt32(i)) }
        #expect(index.count == keys.count)
        for (i, key) in keys.enumerated() where i % 997 == 0 { #expect(index.find(key) { keys[Int($0)] } == UInt32(i)) }
        for (i, key) in keys.prefix(100_000).enumerated() { index.remove(key, slot: UInt32(i)) }
        #expect(index.count == 100_000)
        #expect(index.find(keys[150_000]) { keys[Int($0)] } == 150_000)
        #expect(index.find(keys[5]) { keys[Int($0)] } == nil)
    }
}
