// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A path attribute Peerlet does not interpret, kept as it came: flags, type code and value bytes.
/// Optional transitive ones pass on with the Partial bit set (RFC 4271 §5); others are dropped.
public struct RawPathAttribute: Hashable, Sendable {
    /// The attribute flags octet as received (the Extended Length bit is recomputed on encode).
    public var flags: UInt8
    /// The attribute type code.
    public var code: UInt8
    /// The attribute value.
    public var value: [UInt8]

    /// Creates a raw attribute.
    public init(flags: UInt8, code: UInt8, value: [UInt8]) {
        self.flags = flags
        self.code = code
        self.value = value
    }

    /// The Optional bit (0x80).
    public var isOptional: Bool { flags & 0x80 != 0 }
    /// The Transitive bit (0x40).
    public var isTransitive: Bool { flags & 0x40 != 0 }
    /// The Partial bit (0x20).
    public var isPartial: Bool { flags & 0x20 != 0 }
}
