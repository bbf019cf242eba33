// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The ORIGIN path attribute value (RFC 4271 §5.1.1). Lower is preferred in the decision process.
public enum Origin: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible, CaseIterable {
    /// Network Layer Reachability Information is interior to the originating AS.
    case igp = 0
    /// Learned via the EGP protocol.
    case egp = 1
    /// Learned by some other means.
    case incomplete = 2

    public var description: String {
        switch self {
        case .igp: "igp"
        case .egp: "egp"
        case .incomplete: "incomplete"
        }
    }

    public static func < (lhs: Origin, rhs: Origin) -> Bool { lhs.rawValue < rhs.rawValue }
}
