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
    /// is the NEXT_HOP; for other families `nextHops` go into MP_REACH_NLRI. Empty when the attributes alone do
    /// not fit the session's maximum message length.
    public func announcements(
        family: AddressFamily, attributes: PathAttributes, nextHops: [IPAddress] = [], nlri: [NLRI]
    ) -> [ByteBuffer] {
        guard !nlri.isEmpty else { return [] }
        var attributeBytes = ByteBuffer()
        var attrs = attributes
        if family != .ipv4Unicast { attrs.nextHop = nil }
        PathAttributeEncoder.encode(attrs, reach: nil, unreach: nil, context: context, into: &attributeBytes)
        if family == .ipv4Unicast {
            return pack(nlri, family: family, overhead: attributeBytes.readableBytes) { body in
                Self.message(withdrawn: ByteBuffer(), attributes: attributeBytes, reachHeader: nil, reach: nil, nlri: body)
            }
        }
        // MP_REACH_NLRI header: AFI, SAFI, next hop length, next hops, reserved.
        var reachHeader = ByteBuffer()
        reachHeader.writeInteger(family.afi.rawValue)
        reachHeader.writeInteger(family.safi.rawValue)
        reachHeader.writeInteger(UInt8(nextHops.reduce(0) { $0 + ($1.afi == .ipv4 ? 4 : 16) }))
        for hop in nextHops {
            switch hop {
            case .v4(let a): reachHeader.writeInteger(a.rawValue)
            case .v6(let a):
                reachHeader.writeInteger(a.high)
                reachHeader.writeInteger(a.low)
            }
        }
        reachHeader.writeInteger(UInt8(0))
        // The MP attribute's own header is 4 octets (flags, code, 2-octet length).
        return pack(nlri, family: family, overhead: attributeBytes.readableBytes + 4 + reachHeader.readableBytes) { body in
            Self.message(
                withdrawn: ByteBuffer(), attributes: attributeBytes, reachHeader: reachHeader,
                reach: (PathAttributeCode.multiprotocolReachNLRI, body), nlri: ByteBuffer())
        }
    }

    /// Encoded UPDATEs withdrawing `nlri` of `family`.
    public func withdrawals(family: AddressFamily, nlri: [NLRI]) -> [ByteBuffer] {
        guard !nlri.isEmpty else { return [] }
        if family == .ipv4Unicast {
            return pack(nlri, family: family, overhead: 0) { body in
                Self.message(withdrawn: body, attributes: ByteBuffer(), reachHeader: nil, reach: nil, nlri: ByteBuffer())
            }
        }
        var header = ByteBuffer()
        header.writeInteger(family.afi.rawValue)
        header.writeInteger(family.safi.rawValue)
        return pack(nlri, family: family, overhead: 4 + header.readableBytes) { body in
            Self.message(
                withdrawn: ByteBuffer(), attributes: ByteBuffer(), reachHeader: header,
                reach: (PathAttributeCode.multiprotocolUnreachNLRI, body), nlri: ByteBuffer())
        }
    }

    /// Cuts `nlri` into as few bodies as fit next to `overhead` octets of attributes (plus the 19-octet header and
    /// the two 2-octet length fields), and turns each body into a message with `assemble`.
    private func pack(_ nlri: [NLRI], family: AddressFamily, overhead: Int, assemble: (ByteBuffer) -> ByteBuffer) -> [ByteBuffer] {
        let addPath = context.addPath.contains(family)
        let fixed = BGPHeader.length + 4 + overhead
        var messages: [ByteBuffer] = []
        var index = 0
        while index < nlri.count {
            var body = ByteBuffer()
            var used = fixed
            while index < nlri.count, used + nlri[index].encodedLength(addPath: addPath) <= context.maximumMessageLength {
                nlri[index].encode(into: &body, addPath: addPath)
                used += nlri[index].encodedLength(addPath: addPath)
                index += 1
            }
            // Attributes too large for this session's messages (a long AS_PATH learned over Extended Message,
            // sent to a 4096-octet neighbour): the routes cannot be sent to it at all.
            guard body.readableBytes > 0 else { return messages }
            messages.append(assemble(body))
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
