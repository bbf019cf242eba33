// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import NIOCore

extension ASPath {
    /// Why an AS_PATH or AS4_PATH value is malformed (RFC 7606 §7.2, RFC 7607).
    enum Malformation: Error, CustomStringConvertible {
        case unknownSegmentType(UInt8)
        case zeroLengthSegment
        case overrun
        case underrun
        case asZero
        case confederationSegment

        var description: String {
            switch self {
            case .unknownSegmentType(let t): "unknown segment type \(t)"
            case .zeroLengthSegment: "segment of length zero"
            case .overrun: "segment overruns the attribute"
            case .underrun: "one octet left after the last segment"
            case .asZero: "AS 0 in path (RFC 7607)"
            case .confederationSegment: "confederation segment"
            }
        }
    }

    /// Decodes an AS_PATH/AS4_PATH value with ASNs of `asnSize` (2 or 4) octets.
    static func decode(_ value: ByteBuffer, asnSize: Int) throws(Malformation) -> ASPath {
        var b = value
        var segments: [ASPathSegment] = []
        while b.readableBytes > 0 {
            guard b.readableBytes >= 2 else { throw .underrun }
            let rawType = b.readInteger(as: UInt8.self)!
            let count = Int(b.readInteger(as: UInt8.self)!)
            guard let type = ASPathSegmentType(rawValue: rawType) else { throw .unknownSegmentType(rawType) }
            guard count > 0 else { throw .zeroLengthSegment }
            guard b.readableBytes >= count * asnSize else { throw .overrun }
            var asns: [ASN] = []
            asns.reserveCapacity(count)
            for _ in 0..<count {
                let asn = asnSize == 4 ? b.readInteger(as: UInt32.self)! : UInt32(b.readInteger(as: UInt16.self)!)
                guard asn != 0 else { throw .asZero }
                asns.append(ASN(asn))
            }
            segments.append(ASPathSegment(type: type, asns: asns))
        }
        return ASPath(segments: segments)
    }

    /// Writes the segments with `asnSize`-octet ASNs (2-octet ones map through AS_TRANS), splitting segments
    /// longer than 255 ASNs.
    func encode(into buffer: inout ByteBuffer, asnSize: Int) {
        for segment in segments {
            var rest = segment.asns[...]
            repeat {
                let chunk = rest.prefix(255)
                rest = rest.dropFirst(chunk.count)
                buffer.writeInteger(segment.type.rawValue)
                buffer.writeInteger(UInt8(chunk.count))
                for asn in chunk {
                    if asnSize == 4 {
                        buffer.writeInteger(asn.rawValue)
                    } else {
                        buffer.writeInteger(asn.twoOctetRepresentation)
                    }
                }
            } while !rest.isEmpty
        }
    }

    /// The path without confederation segments: what goes into AS4_PATH (RFC 6793 §4.2.2).
    var withoutConfederationSegments: ASPath {
        ASPath(segments: segments.filter { $0.type == .asSequence || $0.type == .asSet })
    }

    /// RFC 6793 §4.2.3: reconstructs the path from a 2-octet AS_PATH and an AS4_PATH. When AS_PATH has fewer
    /// ASNs than AS4_PATH, AS4_PATH is ignored; otherwise the leading ASNs of AS_PATH are kept and AS4_PATH
    /// appended.
    static func merge(asPath: ASPath, as4Path: ASPath) -> ASPath {
        let keep = asPath.asnCount - as4Path.asnCount
        guard keep >= 0 else { return asPath }
        var result: [ASPathSegment] = []
        var remaining = keep
        for segment in asPath.segments {
            switch segment.type {
            case .confedSequence, .confedSet:
                // Confederation segments count zero; they stay with the leading part.
                if remaining > 0 || result.count == 0 { result.append(segment) }
            case .asSet:
                if remaining > 0 {
                    result.append(segment)
                    remaining -= 1
                }
            case .asSequence:
                if remaining > 0 {
                    let take = min(remaining, segment.asns.count)
                    result.append(ASPathSegment(type: .asSequence, asns: Array(segment.asns.prefix(take))))
                    remaining -= take
                }
            }
            if remaining == 0 { break }
        }
        // Where the kept part and AS4_PATH meet, two AS_SEQUENCEs become one (the OLD speaker prepended to the
        // sequence AS4_PATH carries); segments inside AS4_PATH stay as they are.
        var tail = as4Path.segments[...]
        if let last = result.last, let first = tail.first, last.type == .asSequence, first.type == .asSequence,
            last.asns.count + first.asns.count <= 255
        {
            result[result.count - 1].asns += first.asns
            tail = tail.dropFirst()
        }
        return ASPath(segments: result + tail)
    }
}
