// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An IPv6 address held as two host-order 64-bit halves.
///
/// Text input follows RFC 4291 §2.2 (including `::` and an embedded dotted quad); output is the RFC 5952
/// canonical form (lower case, longest zero run compressed, a single zero group not compressed).
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The most significant 64 bits.
    public var high: UInt64
    /// The least significant 64 bits.
    public var low: UInt64

    /// Creates an address from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The unspecified address `::`.
    public static let any = IPv6Address(high: 0, low: 0)

    /// True for fe80::/10, the link-local unicast range.
    public var isLinkLocal: Bool { high >> 54 == 0x3FA }

    /// True for ff00::/8.
    public var isMulticast: Bool { high >> 56 == 0xFF }

    /// Parses RFC 4291 §2.2 text.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty || bytes.count > 45 { return nil }
        var groups: [UInt16] = []
        var gapIndex: Int? = nil
        var i = 0
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            gapIndex = 0
            i = 2
            if i == bytes.count { self.init(high: 0, low: 0); return }
        } else if bytes.first == UInt8(ascii: ":") {
            return nil
        }
        while i < bytes.count {
            // Find the end of this token.
            var j = i
            while j < bytes.count, bytes[j] != UInt8(ascii: ":") { j += 1 }
            let token = bytes[i..<j]
            if token.isEmpty { return nil }
            if token.contains(UInt8(ascii: ".")) {
                // An embedded IPv4 address may only be the last token.
                guard j == bytes.count, let v4 = IPv4Address(String(decoding: token, as: UTF8.self)) else { return nil }
                groups.append(UInt16(v4.rawValue >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4.rawValue))
                i = j
                break
            }
            if token.count > 4 { return nil }
            var value: UInt16 = 0
            for c in token {
                guard let nibble = Self.hexValue(c) else { return nil }
                value = value << 4 | UInt16(nibble)
            }
            groups.append(value)
            if j == bytes.count { i = j; break }
            // j points at ':'
            if j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: ":") {
                if gapIndex != nil { return nil }
                gapIndex = groups.count
                i = j + 2
            } else {
                if j + 1 == bytes.count { return nil }
                i = j + 1
            }
        }
        if let gap = gapIndex {
            if groups.count > 7 { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
        self.init(high: high, low: low)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    public var description: String {
        let g = groups
        // RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, the first one on a tie.
        var bestStart = -1, bestLength = 0, runStart = -1
        for k in 0...8 {
            if k < 8, g[k] == 0 {
                if runStart < 0 { runStart = k }
            } else if runStart >= 0 {
                if k - runStart > bestLength { bestStart = runStart; bestLength = k - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if !out.isEmpty, !out.hasSuffix(":") { out += ":" }
            out += String(g[k], radix: 16)
            k += 1
        }
        return out
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
