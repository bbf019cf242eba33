// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import NIOCore
import BGPModel

/// A decoded UPDATE with every RFC 7606 problem found in it. The session decides what to do: apply the
/// message, apply it as a withdrawal (`treatAsWithdraw`), or end the session (`handling` is
/// `.afiSafiDisable`, which Peerlet escalates to a reset).
public struct DecodedUpdate: Hashable, Sendable {
    /// The message, without the attributes that were discarded.
    public var message: UpdateMessage
    /// The problems found, in wire order.
    public var issues: [AttributeIssue]

    /// The most severe handling any issue asks for, or `nil` when the message is clean.
    public var handling: ErrorHandling? { issues.map(\.handling).max() }
}

extension UpdateMessage {
    /// Decodes an UPDATE body (after the header) per RFC 4271 §4.3/§6.3 with RFC 7606 error handling.
    ///
    /// Throws only for errors RFC 7606 handles by session reset (the NLRI cannot be located, a repeated
    /// MP attribute, an unrecognised well-known attribute, malformed Withdrawn Routes or NLRI fields).
    public static func decode(body: ByteBuffer, context: CodecContext) throws(MessageError) -> DecodedUpdate {
        var b = body
        guard let withdrawnLength = b.readInteger(as: UInt16.self), let withdrawnField = b.readSlice(length: Int(withdrawnLength))
        else {
            throw .update(.malformedAttributeList, reason: "Withdrawn Routes Length exceeds the message")
        }
        guard let attributesLength = b.readInteger(as: UInt16.self),
            let attributesField = b.readSlice(length: Int(attributesLength))
        else {
            throw .update(.malformedAttributeList, reason: "Total Path Attribute Length exceeds the message")
        }
        let nlriField = b
        let withdrawn: [NLRI]
        let nlri: [NLRI]
        let addPath = context.addPath.contains(.ipv4Unicast)
        do {
            withdrawn = try NLRI.decodeList(withdrawnField, afi: .ipv4, addPath: addPath)
        } catch {
            throw .update(.invalidNetworkField, reason: "malformed Withdrawn Routes field: \(error)")
        }
        do {
            nlri = try NLRI.decodeList(nlriField, afi: .ipv4, addPath: addPath)
        } catch {
            throw .update(.invalidNetworkField, reason: "malformed NLRI field: \(error)")
        }
        var decoder = PathAttributeDecoder(context: context)
        try decoder.decode(attributesField)
        decoder.mergeFourOctetAttributes()
        let message = UpdateMessage(
            withdrawnRoutes: withdrawn, attributes: decoder.attributes, nlri: nlri,
            multiprotocolReach: decoder.reach, multiprotocolUnreach: decoder.unreach)
        var issues = decoder.issues
        // RFC 7606 §3.d and RFC 4760 §3: mandatory attributes only matter when something is announced;
        // NEXT_HOP only for the NLRI field.
        if message.hasReachableNLRI {
            var missing: [PathAttributeCode] = []
            if message.attributes.origin == nil, !issues.contains(where: { $0.attributeCode == 1 }) { missing.append(.origin) }
            if message.attributes.asPath == nil, !issues.contains(where: { $0.attributeCode == 2 }) { missing.append(.asPath) }
            if !nlri.isEmpty, message.attributes.nextHop == nil, !issues.contains(where: { $0.attributeCode == 3 }) {
                missing.append(.nextHop)
            }
            for code in missing {
                issues.append(
                    AttributeIssue(
                        attributeCode: code.rawValue, handling: .treatAsWithdraw,
                        error: .update(
                            .missingWellKnownAttribute, data: [code.rawValue],
                            reason: "missing well-known attribute \(code.rawValue)")))
            }
        }
        return DecodedUpdate(message: message, issues: issues)
    }

    /// Writes the UPDATE body.
    public func encodeBody(into buffer: inout ByteBuffer, context: CodecContext) {
        let addPath = context.addPath.contains(.ipv4Unicast)
        let withdrawnIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        for entry in withdrawnRoutes { entry.encode(into: &buffer, addPath: addPath) }
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - withdrawnIndex - 2), at: withdrawnIndex)
        let attributesIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        PathAttributeEncoder.encode(
            attributes, reach: multiprotocolReach, unreach: multiprotocolUnreach, context: context, into: &buffer)
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - attributesIndex - 2), at: attributesIndex)
        for entry in nlri { entry.encode(into: &buffer, addPath: addPath) }
    }
}
