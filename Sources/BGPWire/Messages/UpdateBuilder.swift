// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel
public import NIOCore

/// Packs prefixes that share one attribute set into as few UPDATE messages as fit the session's maximum
/// message length (4096, or 65535 with Extended Message), and withdrawals likewise.
///
/// The attributes are encoded once per group; IPv4 NLRI go in the NLRI field, other families inside
/// MP_REACH_NLRI / MP_UNREACH_NLRI, which is always written with a 2-octet length so its size is known up front.
public struct UpdateBuilder: Sendable {
    /// The send context of the session.
    public var context: CodecContext

    /// Creates a builder for a session.
    public init(context: CodecContext) { self.context = context }

    /// Encoded UPDATEs announcing `nlri` of `family` with `attributes`. For IPv4 unicast `attributes.nextHop`
    /// is the NEXT_HOP; for other families `nextHops` go into MP_REACH_NLRI.
    public func announcements(
        family: AddressFamily, attributes: PathAttributes, nextHops: [IPAddress] = [], nlri: [NLRI]
    ) -> [ByteBuffer] {
        guard !nlri.isEmpty else { return [] }
        var attributeBytes = ByteBuffer()
        var attrs = attributes
        if family != .ipv4Unicast { attrs.nextHop = nil }
        PathAttributeEncoder.encode(attrs, reach: nil, unreach: nil, context: context, into: &attributeBytes)
        let addPath = context.addPath.contains(family)
        var messages: [ByteBuffer] = []
        var index = 0
        // Header 19 + withdrawn length 2 + attribute length 2.
        let fixed = BGPHeader.length + 4 + attributeBytes.readableBytes
        if family == .ipv4Unicast {
            while index < nlri.count {
                var body = ByteBuffer()
                var used = fixed
                while index < nlri.count, used + nlri[index].encodedLength(addPath: addPath) <= context.maximumMessageLength {
                    nlri[index].encode(into: &body, addPath: addPath)
                    used += nlri[index].encodedLength(addPath: addPath)
                    index += 1
                }
                messages.append(Self.message(withdrawn: ByteBuffer(), attributes: attributeBytes, reachHeader: nil, reach: nil, nlri: body))
            }
            return messages
        }
        // MP_REACH_NLRI header: flags, code, 2-octet length, AFI, SAFI, next hop length, next hops, reserved.
        var reachHeader = ByteBuffer()
        reachHeader.writeInteger(family.afi.rawValue)
        reachHeader.writeInteger(family.safi.rawValue)
        let hopBytes = nextHops.reduce(0) { $0 + ($1.afi == .ipv4 ? 4 : 16) }
        reachHeader.writeInteger(UInt8(hopBytes))
        for hop in nextHops {
            switch hop {
            case .v4(let a): reachHeader.writeInteger(a.rawValue)
            case .v6(let a):
                reachHeader.writeInteger(a.high)
                reachHeader.writeInteger(a.low)
            }
        }
        reachHeader.writeInteger(UInt8(0))
        let reachFixed = fixed + 4 + reachHeader.readableBytes
        while index < nlri.count {
            var body = ByteBuffer()
            var used = reachFixed
            while index < nlri.count, used + nlri[index].encodedLength(addPath: addPath) <= context.maximumMessageLength {
                nlri[index].encode(into: &body, addPath: addPath)
                used += nlri[index].encodedLength(addPath: addPath)
                index += 1
            }
            messages.append(
                Self.message(
                    withdrawn: ByteBuffer(), attributes: attributeBytes, reachHeader: reachHeader,
                    reach: (PathAttributeCode.multiprotocolReachNLRI, body), nlri: ByteBuffer()))
        }
        return messages
    }

    /// Encoded UPDATEs withdrawing `nlri` of `family`.
    public func withdrawals(family: AddressFamily, nlri: [NLRI]) -> [ByteBuffer] {
        guard !nlri.isEmpty else { return [] }
        let addPath = context.addPath.contains(family)
        var messages: [ByteBuffer] = []
        var index = 0
        if family == .ipv4Unicast {
            while index < nlri.count {
                var body = ByteBuffer()
                var used = BGPHeader.length + 4
                while index < nlri.count, used + nlri[index].encodedLength(addPath: addPath) <= context.maximumMessageLength {
                    nlri[index].encode(into: &body, addPath: addPath)
                    used += nlri[index].encodedLength(addPath: addPath)
                    index += 1
                }
                messages.append(Self.message(withdrawn: body, attributes: ByteBuffer(), reachHeader: nil, reach: nil, nlri: ByteBuffer()))
            }
            return messages
        }
        var header = ByteBuffer()
        header.writeInteger(family.afi.rawValue)
        header.writeInteger(family.safi.rawValue)
        while index < nlri.count {
            var body = ByteBuffer()
            var used = BGPHeader.length + 4 + 4 + header.readableBytes
            while index < nlri.count, used + nlri[index].encodedLength(addPath: addPath) <= context.maximumMessageLength {
                nlri[index].encode(into: &body, addPath: addPath)
                used += nlri[index].encodedLength(addPath: addPath)
                index += 1
            }
            messages.append(
                Self.message(
                    withdrawn: ByteBuffer(), attributes: ByteBuffer(), reachHeader: header,
                    reach: (PathAttributeCode.multiprotocolUnreachNLRI, body), nlri: ByteBuffer()))
        }
        return messages
    }

    /// Assembles one UPDATE; an MP attribute (`reach`) goes first among the attributes (RFC 7606 §5.1).
    private static func message(
        withdrawn: ByteBuffer, attributes: ByteBuffer, reachHeader: ByteBuffer?, reach: (PathAttributeCode, ByteBuffer)?,
        nlri: ByteBuffer
    ) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeRepeatingByte(0xFF, count: 16)
        out.writeInteger(UInt16(0))
        out.writeInteger(BGPMessageType.update.rawValue)
        var withdrawn = withdrawn
        out.writeInteger(UInt16(withdrawn.readableBytes))
        out.writeBuffer(&withdrawn)
        let attributesIndex = out.writerIndex
        out.writeInteger(UInt16(0))
        if let (code, body) = reach, var header = reachHeader {
            var body = body
            out.writeInteger(code.expectedFlags | AttributeFlags.extendedLength)
            out.writeInteger(code.rawValue)
            out.writeInteger(UInt16(header.readableBytes + body.readableBytes))
            out.writeBuffer(&header)
            out.writeBuffer(&body)
        }
        var attributes = attributes
        out.writeBuffer(&attributes)
        out.setInteger(UInt16(out.writerIndex - attributesIndex - 2), at: attributesIndex)
        var nlri = nlri
        out.writeBuffer(&nlri)
        out.setInteger(UInt16(out.writerIndex), at: 16)
        return out
    }
}

extension NLRI {
    /// The octets this entry takes with or without a Path Identifier.
    func encodedLength(addPath: Bool) -> Int { (addPath ? 4 : 0) + 1 + (Int(prefix.length) + 7) / 8 }
}
