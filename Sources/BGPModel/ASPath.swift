// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An AS_PATH (RFC 4271 §5.1.2), always held with 4-octet ASNs (RFC 6793); the wire codec maps 2-octet
/// sessions through AS_TRANS and AS4_PATH.
public struct ASPath: Hashable, Sendable, CustomStringConvertible {
    /// The path segments in wire order (the first ASN of the first AS_SEQUENCE is the neighbour).
    public var segments: [ASPathSegment]

    /// Creates a path from segments.
    public init(segments: [ASPathSegment] = []) { self.segments = segments }

    /// A path of one AS_SEQUENCE.
    public init(sequence: [ASN]) {
        self.segments = sequence.isEmpty ? [] : [ASPathSegment(type: .asSequence, asns: sequence)]
    }

    /// The empty path (locally originated, iBGP).
    public static let empty = ASPath()

    /// The path length used by the decision process (RFC 4271 §9.1.2.2 a): each AS_SEQUENCE ASN counts one,
    /// an AS_SET counts one in total, and confederation segments count zero (RFC 5065 §5.3).
    public var decisionLength: Int {
        segments.reduce(0) { total, segment in
            switch segment.type {
            case .asSequence: total + segment.asns.count
            case .asSet: total + 1
            case .confedSequence, .confedSet: total
            }
        }
    }

    /// The number of ASNs over all segments, as counted by RFC 6793 §4.2.3 when merging AS4_PATH.
    public var asnCount: Int {
        segments.reduce(0) { total, segment in
            switch segment.type {
            case .asSequence: total + segment.asns.count
            case .asSet: total + 1
            case .confedSequence, .confedSet: total
            }
        }
    }

    /// The leftmost ASN of the first AS_SEQUENCE: the neighbouring AS for an eBGP route.
    public var firstASN: ASN? {
        guard let first = segments.first, first.type == .asSequence else { return nil }
        return first.asns.first
    }

    /// True when `asn` appears anywhere in the path (loop detection, RFC 4271 §9.1.2).
    public func contains(_ asn: ASN) -> Bool { segments.contains { $0.asns.contains(asn) } }

    /// True when any ASN needs four octets.
    public var hasFourOctetASN: Bool { segments.contains { $0.asns.contains { $0.isFourOctet } } }

    /// Returns the path with `asn` prepended `count` times (RFC 4271 §5.1.2 for eBGP), starting a new
    /// AS_SEQUENCE when the first segment is not one or would exceed 255 ASNs.
    public func prepending(_ asn: ASN, count: Int = 1) -> ASPath {
        var copy = self
        for _ in 0..<count {
            if let first = copy.segments.first, first.type == .asSequence, first.asns.count < 255 {
                copy.segments[0].asns.insert(asn, at: 0)
            } else {
                copy.segments.insert(ASPathSegment(type: .asSequence, asns: [asn]), at: 0)
            }
        }
        return copy
    }

    public var description: String { segments.map(\.description).joined(separator: " ") }
}

/// One AS_PATH segment.
public struct ASPathSegment: Hashable, Sendable, CustomStringConvertible {
    /// The segment type.
    public var type: ASPathSegmentType
    /// The ASNs in the segment.
    public var asns: [ASN]

    /// Creates a segment.
    public init(type: ASPathSegmentType, asns: [ASN]) {
        self.type = type
        self.asns = asns
    }

    public var description: String {
        let list = asns.map(\.description).joined(separator: " ")
        switch type {
        case .asSequence: return list
        case .asSet: return "{\(list)}"
        case .confedSequence: return "(\(list))"
        case .confedSet: return "[\(list)]"
        }
    }
}

/// AS_PATH segment types (RFC 4271 §4.3, RFC 5065 §3).
public enum ASPathSegmentType: UInt8, Hashable, Sendable {
    /// An unordered set of ASes a route has traversed.
    case asSet = 1
    /// An ordered set of ASes a route has traversed.
    case asSequence = 2
    /// An ordered set of member ASes within a confederation.
    case confedSequence = 3
    /// An unordered set of member ASes within a confederation.
    case confedSet = 4
}
