// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import NIOCore

/// Encodes the Path Attributes field of an UPDATE.
///
/// RFC 7606 §5.1: MP_REACH_NLRI and MP_UNREACH_NLRI come first; the rest follow in type-code order. For a
/// 2-octet neighbour (RFC 6793 §4.2.2) AS_PATH and AGGREGATOR carry AS_TRANS and AS4_PATH/AS4_AGGREGATOR are
/// added when a 4-octet ASN needs them.
enum PathAttributeEncoder {
    /// Writes one attribute: flags (Extended Length set when the value exceeds 255 octets), code, length, value.
    static func write(
        _ flags: UInt8, _ code: UInt8, into buffer: inout ByteBuffer, value: (inout ByteBuffer) -> Void
    ) {
        var scratch = ByteBuffer()
        value(&scratch)
        let length = scratch.readableBytes
        if length > 255 {
            buffer.writeInteger(flags | AttributeFlags.extendedLength)
            buffer.writeInteger(code)
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(flags & ~AttributeFlags.extendedLength)
            buffer.writeInteger(code)
            buffer.writeInteger(UInt8(length))
        }
        buffer.writeBuffer(&scratch)
    }

    static func write(_ code: PathAttributeCode, into buffer: inout ByteBuffer, value: (inout ByteBuffer) -> Void) {
        write(code.expectedFlags, code.rawValue, into: &buffer, value: value)
    }

    /// Writes all attributes of an UPDATE.
    static func encode(
        _ a: PathAttributes, reach: MultiprotocolReach?, unreach: MultiprotocolUnreach?, context: CodecContext,
        into buffer: inout ByteBuffer
    ) {
        if let reach {
            write(.multiprotocolReachNLRI, into: &buffer) { b in
                b.writeInteger(reach.family.afi.rawValue)
                b.writeInteger(reach.family.safi.rawValue)
                let lengthIndex = b.writerIndex
                b.writeInteger(UInt8(0))
                for hop in reach.nextHops {
                    switch hop {
                    case .v4(let v4): b.writeInteger(v4.rawValue)
                    case .v6(let v6):
                        b.writeInteger(v6.high)
                        b.writeInteger(v6.low)
                    }
                }
                b.setInteger(UInt8(truncatingIfNeeded: b.writerIndex - lengthIndex - 1), at: lengthIndex)
                b.writeInteger(UInt8(0))  // Reserved
                let addPath = context.addPath.contains(reach.family)
                for entry in reach.nlri { entry.encode(into: &b, addPath: addPath) }
            }
        }
        if let unreach {
            write(.multiprotocolUnreachNLRI, into: &buffer) { b in
                b.writeInteger(unreach.family.afi.rawValue)
                b.writeInteger(unreach.family.safi.rawValue)
                let addPath = context.addPath.contains(unreach.family)
                for entry in unreach.withdrawn { entry.encode(into: &b, addPath: addPath) }
            }
        }
        let asnSize = context.fourOctetASN ? 4 : 2
        if let origin = a.origin {
            write(.origin, into: &buffer) { $0.writeInteger(origin.rawValue) }
        }
        if let path = a.asPath {
            write(.asPath, into: &buffer) { path.encode(into: &$0, asnSize: asnSize) }
        }
        if let nextHop = a.nextHop {
            write(.nextHop, into: &buffer) { $0.writeInteger(nextHop.rawValue) }
        }
        if let med = a.multiExitDiscriminator {
            write(.multiExitDiscriminator, into: &buffer) { $0.writeInteger(med) }
        }
        if let pref = a.localPreference {
            write(.localPreference, into: &buffer) { $0.writeInteger(pref) }
        }
        if a.atomicAggregate {
            write(.atomicAggregate, into: &buffer) { _ in }
        }
        if let aggregator = a.aggregator {
            write(.aggregator, into: &buffer) { b in
                if asnSize == 4 { b.writeInteger(aggregator.asn.rawValue) } else { b.writeInteger(aggregator.asn.twoOctetRepresentation) }
                b.writeInteger(aggregator.address.rawValue)
            }
        }
        if !a.communities.isEmpty {
            write(.communities, into: &buffer) { b in for c in a.communities { b.writeInteger(c.rawValue) } }
        }
        if let originator = a.originatorID {
            write(.originatorID, into: &buffer) { $0.writeInteger(originator.rawValue) }
        }
        if !a.clusterList.isEmpty {
            write(.clusterList, into: &buffer) { b in for id in a.clusterList { b.writeInteger(id.rawValue) } }
        }
        if !a.extendedCommunities.isEmpty {
            write(.extendedCommunities, into: &buffer) { b in
                for c in a.extendedCommunities { b.writeInteger(c.rawValue) }
            }
        }
        if !context.fourOctetASN {
            // RFC 6793 §4.2.2: AS4_PATH only when the path holds a 4-octet ASN; no confederation segments.
            if let path = a.asPath, path.hasFourOctetASN {
                write(.as4Path, into: &buffer) { path.withoutConfederationSegments.encode(into: &$0, asnSize: 4) }
            }
            if let aggregator = a.aggregator, aggregator.asn.isFourOctet {
                write(.as4Aggregator, into: &buffer) { b in
                    b.writeInteger(aggregator.asn.rawValue)
                    b.writeInteger(aggregator.address.rawValue)
                }
            }
        }
        if !a.largeCommunities.isEmpty {
            write(.largeCommunity, into: &buffer) { b in
                for c in a.largeCommunities {
                    b.writeInteger(c.globalAdministrator)
                    b.writeInteger(c.localData1)
                    b.writeInteger(c.localData2)
                }
            }
        }
        if let otc = a.onlyToCustomer {
            write(.onlyToCustomer, into: &buffer) { $0.writeInteger(otc.rawValue) }
        }
        for raw in a.unknown where raw.isOptional && raw.isTransitive {
            write(raw.flags, raw.code, into: &buffer) { $0.writeBytes(raw.value) }
        }
    }
}
