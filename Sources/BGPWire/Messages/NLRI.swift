// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel
import NIOCore

/// One NLRI entry: a prefix, with its ADD-PATH Path Identifier when the family negotiated one (RFC 7911 §3).
public struct NLRI: Hashable, Sendable, CustomStringConvertible {
    /// The prefix.
    public var prefix: IPPrefix
    /// The Path Identifier; `nil` when ADD-PATH is not in use for this family and direction.
    public var pathID: UInt32?

    /// Creates an entry.
    public init(prefix: IPPrefix, pathID: UInt32? = nil) {
        self.prefix = prefix
        self.pathID = pathID
    }

    /// An IPv4 entry.
    public init(_ prefix: IPv4Prefix, pathID: UInt32? = nil) { self.init(prefix: .v4(prefix), pathID: pathID) }
    /// An IPv6 entry.
    public init(_ prefix: IPv6Prefix, pathID: UInt32? = nil) { self.init(prefix: .v6(prefix), pathID: pathID) }

    public var description: String { pathID.map { "\(prefix) path-id \($0)" } ?? prefix.description }

    /// The octets this entry takes on the wire.
    public var encodedLength: Int { (pathID == nil ? 0 : 4) + 1 + (Int(prefix.length) + 7) / 8 }
}

/// Why an NLRI field could not be parsed.
enum NLRIDecodingFailure: Error {
    /// A prefix length longer than the address family allows.
    case prefixTooLong(UInt8)
    /// The field ended inside an entry.
    case truncated
}

extension NLRI {
    /// Decodes a whole NLRI field (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) of family `afi`.
    static func decodeList(
        _ field: ByteBuffer, afi: AFI, addPath: Bool
    ) throws(NLRIDecodingFailure) -> [NLRI] {
        var b = field
        var result: [NLRI] = []
        // A lower bound of entries for reserve: each takes at least 1 octet (5 with a Path Identifier).
        result.reserveCapacity(b.readableBytes / (addPath ? 5 : 1) / 4)
        while b.readableBytes > 0 {
            var pathID: UInt32? = nil
            if addPath {
                guard let id = b.readInteger(as: UInt32.self) else { throw .truncated }
                pathID = id
            }
            guard let length = b.readInteger(as: UInt8.self) else { throw .truncated }
            let octets = (Int(length) + 7) / 8
            guard b.readableBytes >= octets else { throw .truncated }
            switch afi {
            case .ipv6:
                guard length <= 128 else { throw .prefixTooLong(length) }
                var high: UInt64 = 0
                var low: UInt64 = 0
                for i in 0..<octets {
                    let byte = UInt64(b.getInteger(at: b.readerIndex + i, as: UInt8.self)!)
                    if i < 8 { high |= byte << (56 - 8 * UInt64(i)) } else { low |= byte << (56 - 8 * UInt64(i - 8)) }
                }
                b.moveReaderIndex(forwardBy: octets)
                result.append(
                    NLRI(prefix: .v6(IPv6Prefix(address: IPv6Address(high: high, low: low), length: length)), pathID: pathID))
            default:
                guard length <= 32 else { throw .prefixTooLong(length) }
                var value: UInt32 = 0
                for i in 0..<octets {
                    value |= UInt32(b.getInteger(at: b.readerIndex + i, as: UInt8.self)!) << (24 - 8 * UInt32(i))
                }
                b.moveReaderIndex(forwardBy: octets)
                result.append(
                    NLRI(prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: value), length: length)), pathID: pathID))
            }
        }
        return result
    }

    /// Writes this entry: Path Identifier (when ADD-PATH is on), length in bits, then the significant octets.
    /// One capacity check per entry: this runs once per prefix sent.
    func encode(into buffer: inout ByteBuffer, addPath: Bool) {
        let octets = (Int(prefix.length) + 7) / 8
        let total = (addPath ? 4 : 0) + 1 + octets
        let pathID = self.pathID ?? 0
        let prefix = self.prefix
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            var i = 0
            if addPath {
                out[0] = UInt8(truncatingIfNeeded: pathID >> 24)
                out[1] = UInt8(truncatingIfNeeded: pathID >> 16)
                out[2] = UInt8(truncatingIfNeeded: pathID >> 8)
                out[3] = UInt8(truncatingIfNeeded: pathID)
                i = 4
            }
            out[i] = prefix.length
            i += 1
            switch prefix {
            case .v4(let p):
                let value = p.address.rawValue
                for k in 0..<octets { out[i + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
            case .v6(let p):
                for k in 0..<octets {
                    let half = k < 8 ? p.address.high : p.address.low
                    out[i + k] = UInt8(truncatingIfNeeded: half >> (56 - 8 * UInt64(k % 8)))
                }
            }
            return total
        }
    }
}
