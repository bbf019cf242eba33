// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An interface-name pattern as operators write them (`cali*`, `veth?`, `eth0`): `*` matches any run of
/// characters, `?` exactly one, everything else itself. Interface names are at most 15 bytes (IFNAMSIZ - 1), so
/// the simple backtracking match is cheap.
public struct InterfacePattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let pattern: [UInt8]

    /// Creates a pattern; `nil` when it is empty or longer than an interface name could be matched by.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        self.text = text
        self.pattern = Array(text.utf8)
    }

    /// True when `name` matches.
    public func matches(_ name: String) -> Bool {
        let s = Array(name.utf8)
        var (p, i) = (0, 0)
        var star: (p: Int, i: Int)? = nil
        while i < s.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == s[i] {
                p += 1
                i += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = (p, i)
                p += 1
            } else if let last = star {
                p = last.p + 1
                i = last.i + 1
                star = (last.p, last.i + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    public var description: String { text }
}
