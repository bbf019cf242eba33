// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import NIOCore

/// Decodes the Path Attributes field of an UPDATE, classifying every problem by RFC 7606.
///
/// Problems that RFC 7606 handles by attribute-discard, treat-as-withdraw or AFI/SAFI-disable become
/// `AttributeIssue`s and decoding goes on; only a session reset is thrown. Nothing here traps on peer input.
struct PathAttributeDecoder {
    let context: CodecContext
    var attributes = PathAttributes()
    var reach: MultiprotocolReach?
    var unreach: MultiprotocolUnreach?
    var issues: [AttributeIssue] = []
    var seen: Set<UInt8> = []
    var as4Path: ASPath?
    var as4Aggregator: Aggregator?

    init(context: CodecContext) { self.context = context }

    /// Records a problem with attribute `code`.
    private mutating func report(
        _ code: UInt8, _ handling: ErrorHandling, _ subcode: UpdateErrorSubcode, _ reason: String,
        data: [UInt8] = []
    ) {
        issues.append(
            AttributeIssue(
                attributeCode: code, handling: handling, error: .update(subcode, data: data, reason: reason)))
    }

    /// Decodes every attribute in `field`.
    mutating func decode(_ field: ByteBuffer) throws(MessageError) {
        var b = field
        while b.readableBytes > 0 {
            let start = b.readerIndex
            guard b.readableBytes >= 3 else {
                // RFC 7606 §4: too short for an attribute header: the NLRI can still be located.
                report(0, .treatAsWithdraw, .malformedAttributeList, "truncated attribute header")
                return
            }
            let flags = b.readInteger(as: UInt8.self)!
            let code = b.readInteger(as: UInt8.self)!
            let length: Int
            if flags & AttributeFlags.extendedLength != 0 {
                guard let l = b.readInteger(as: UInt16.self) else {
                    report(code, .treatAsWithdraw, .malformedAttributeList, "truncated attribute length")
                    return
                }
                length = Int(l)
            } else {
                length = Int(b.readInteger(as: UInt8.self)!)
            }
            guard let value = b.readSlice(length: length) else {
                // RFC 7606 §4: an attribute that overruns the field. If it may be MP_REACH/MP_UNREACH the NLRI
                // cannot be located and the session must be reset.
                let error = MessageError.update(
                    .malformedAttributeList,
                    reason: "attribute \(code) of length \(length) overruns the path attributes (\(b.readableBytes) left)")
                if code == PathAttributeCode.multiprotocolReachNLRI.rawValue
                    || code == PathAttributeCode.multiprotocolUnreachNLRI.rawValue
                {
                    throw error
                }
                issues.append(AttributeIssue(attributeCode: code, handling: .treatAsWithdraw, error: error))
                return
            }
            let whole = field.getBytes(at: start, length: b.readerIndex - start) ?? []
            try decodeOne(flags: flags, code: code, value: value, whole: whole)
        }
    }

    private mutating func decodeOne(flags: UInt8, code: UInt8, value: ByteBuffer, whole: [UInt8]) throws(MessageError) {
        let isMP = code == PathAttributeCode.multiprotocolReachNLRI.rawValue
            || code == PathAttributeCode.multiprotocolUnreachNLRI.rawValue
        // RFC 7606 §3.g: repeated attributes: MP ones reset the session, others keep the first occurrence.
        guard seen.insert(code).inserted else {
            if isMP { throw .update(.malformedAttributeList, reason: "attribute \(code) appears more than once") }
            report(code, .attributeDiscard, .malformedAttributeList, "repeated attribute \(code) discarded")
            return
        }
        guard let known = PathAttributeCode(rawValue: code) else {
            // RFC 4271 §6.3: an unrecognised well-known attribute is a session error; data is the attribute.
            guard flags & AttributeFlags.optional != 0 else {
                throw .update(.unrecognizedWellKnownAttribute, data: whole, reason: "unrecognized well-known attribute \(code)")
            }
            // §5: unrecognised optional transitive ones are passed on with Partial set; non-transitive dropped.
            if flags & AttributeFlags.transitive != 0 {
                attributes.unknown.append(
                    RawPathAttribute(
                        flags: (flags | AttributeFlags.partial) & ~AttributeFlags.extendedLength, code: code,
                        value: value.getBytes(at: value.readerIndex, length: value.readableBytes) ?? []))
            }
            return
        }
        // RFC 7606 §3.c: Optional/Transitive bits in conflict with the specification: treat-as-withdraw.
        if flags & 0xC0 != known.expectedFlags {
            let reason = "attribute \(code) has flags 0x\(String(flags, radix: 16)), expected 0x\(String(known.expectedFlags, radix: 16))"
            if isMP { throw .update(.attributeFlagsError, data: whole, reason: reason) }
            report(code, .treatAsWithdraw, .attributeFlagsError, reason, data: whole)
            return
        }
        var v = value
        let length = value.readableBytes
        func lengthError(_ expected: String) -> String { "attribute \(code) has length \(length), expected \(expected)" }
        switch known {
        case .origin:
            // RFC 7606 §7.1.
            guard length == 1, let raw = v.readInteger(as: UInt8.self) else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("1"), data: whole)
                return
            }
            guard let origin = Origin(rawValue: raw) else {
                report(code, .treatAsWithdraw, .invalidOriginAttribute, "undefined ORIGIN value \(raw)", data: whole)
                return
            }
            attributes.origin = origin
        case .asPath:
            // RFC 7606 §7.2.
            do {
                let path = try ASPath.decode(value, asnSize: context.fourOctetASN ? 4 : 2)
                if context.externalPeer,
                    path.segments.contains(where: { $0.type == .confedSequence || $0.type == .confedSet })
                {
                    report(code, .treatAsWithdraw, .malformedASPath, "confederation segment from an external peer")
                    return
                }
                attributes.asPath = path
            } catch {
                report(code, .treatAsWithdraw, .malformedASPath, "malformed AS_PATH: \(error)")
            }
        case .nextHop:
            // RFC 7606 §7.3; RFC 4271 §6.3 for the semantic checks.
            guard length == 4, let raw = v.readInteger(as: UInt32.self) else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("4"), data: whole)
                return
            }
            let address = IPv4Address(rawValue: raw)
            if raw == 0 || raw == 0xFFFF_FFFF || address.isMulticast {
                report(code, .treatAsWithdraw, .invalidNextHopAttribute, "NEXT_HOP \(address) is not a unicast address", data: whole)
                return
            }
            attributes.nextHop = address
        case .multiExitDiscriminator:
            // RFC 7606 §7.4.
            guard length == 4, let med = v.readInteger(as: UInt32.self) else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("4"), data: whole)
                return
            }
            attributes.multiExitDiscriminator = med
        case .localPreference:
            // RFC 7606 §7.5: from an external neighbour it is discarded whatever it holds.
            if context.externalPeer {
                report(code, .attributeDiscard, .attributeLengthError, "LOCAL_PREF from an external peer discarded")
                return
            }
            guard length == 4, let pref = v.readInteger(as: UInt32.self) else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("4"), data: whole)
                return
            }
            attributes.localPreference = pref
        case .atomicAggregate:
            // RFC 7606 §7.6.
            guard length == 0 else {
                report(code, .attributeDiscard, .attributeLengthError, lengthError("0"), data: whole)
                return
            }
            attributes.atomicAggregate = true
        case .aggregator:
            // RFC 7606 §7.7, RFC 7607 §2 (AS 0).
            let expected = context.fourOctetASN ? 8 : 6
            guard length == expected else {
                report(code, .attributeDiscard, .attributeLengthError, lengthError("\(expected)"), data: whole)
                return
            }
            let asn = context.fourOctetASN ? v.readInteger(as: UInt32.self)! : UInt32(v.readInteger(as: UInt16.self)!)
            guard asn != 0 else {
                report(code, .attributeDiscard, .optionalAttributeError, "AGGREGATOR with AS 0")
                return
            }
            attributes.aggregator = Aggregator(asn: ASN(asn), address: IPv4Address(rawValue: v.readInteger(as: UInt32.self)!))
        case .communities:
            // RFC 7606 §7.8: a non-zero multiple of 4.
            guard length > 0, length % 4 == 0 else {
                report(code, .treatAsWithdraw, .optionalAttributeError, lengthError("a non-zero multiple of 4"), data: whole)
                return
            }
            var list: [Community] = []
            list.reserveCapacity(length / 4)
            while let raw = v.readInteger(as: UInt32.self) { list.append(Community(rawValue: raw)) }
            attributes.communities = list
        case .originatorID:
            // RFC 7606 §7.9.
            guard length == 4, let raw = v.readInteger(as: UInt32.self) else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("4"), data: whole)
                return
            }
            attributes.originatorID = RouterID(rawValue: raw)
        case .clusterList:
            // RFC 7606 §7.10: a non-zero multiple of 4.
            guard length > 0, length % 4 == 0 else {
                report(code, .treatAsWithdraw, .attributeLengthError, lengthError("a non-zero multiple of 4"), data: whole)
                return
            }
            var list: [RouterID] = []
            while let raw = v.readInteger(as: UInt32.self) { list.append(RouterID(rawValue: raw)) }
            attributes.clusterList = list
        case .multiprotocolReachNLRI:
            try decodeReach(value)
        case .multiprotocolUnreachNLRI:
            try decodeUnreach(value)
        case .extendedCommunities:
            // RFC 7606 §7.14: a non-zero multiple of 8.
            guard length > 0, length % 8 == 0 else {
                report(code, .treatAsWithdraw, .optionalAttributeError, lengthError("a non-zero multiple of 8"), data: whole)
                return
            }
            var list: [ExtendedCommunity] = []
            while let raw = v.readInteger(as: UInt64.self) { list.append(ExtendedCommunity(rawValue: raw)) }
            attributes.extendedCommunities = list
        case .as4Path:
            // RFC 6793 §6: AS4_PATH between NEW speakers, or malformed, is discarded.
            guard !context.fourOctetASN else {
                report(code, .attributeDiscard, .optionalAttributeError, "AS4_PATH on a 4-octet AS session discarded")
                return
            }
            do {
                let path = try ASPath.decode(value, asnSize: 4)
                if path.segments.contains(where: { $0.type == .confedSequence || $0.type == .confedSet }) {
                    throw ASPath.Malformation.confederationSegment
                }
                as4Path = path
            } catch {
                report(code, .attributeDiscard, .optionalAttributeError, "malformed AS4_PATH discarded: \(error)")
            }
        case .as4Aggregator:
            guard !context.fourOctetASN else {
                report(code, .attributeDiscard, .optionalAttributeError, "AS4_AGGREGATOR on a 4-octet AS session discarded")
                return
            }
            guard length == 8, let asn = v.readInteger(as: UInt32.self), asn != 0,
                let address = v.readInteger(as: UInt32.self)
            else {
                report(code, .attributeDiscard, .optionalAttributeError, "malformed AS4_AGGREGATOR discarded")
                return
            }
            as4Aggregator = Aggregator(asn: ASN(asn), address: IPv4Address(rawValue: address))
        case .largeCommunity:
            // RFC 8092 §6: a non-zero multiple of 12.
            guard length > 0, length % 12 == 0 else {
                report(code, .treatAsWithdraw, .optionalAttributeError, lengthError("a non-zero multiple of 12"), data: whole)
                return
            }
            var list: [LargeCommunity] = []
            while let g = v.readInteger(as: UInt32.self), let a = v.readInteger(as: UInt32.self),
                let c = v.readInteger(as: UInt32.self)
            {
                list.append(LargeCommunity(g, a, c))
            }
            attributes.largeCommunities = list
        case .onlyToCustomer:
            // RFC 9234 §5: length other than 4 is malformed: treat-as-withdraw.
            guard length == 4, let asn = v.readInteger(as: UInt32.self) else {
                report(code, .treatAsWithdraw, .optionalAttributeError, lengthError("4"), data: whole)
                return
            }
            attributes.onlyToCustomer = ASN(asn)
        }
    }

    /// The families whose NLRI Peerlet can parse (unicast and multicast share the encoding).
    private static func isSupported(_ family: AddressFamily) -> Bool {
        (family.afi == .ipv4 || family.afi == .ipv6) && (family.safi == .unicast || family.safi == .multicast)
    }

    /// MP_REACH_NLRI (RFC 4760 §3). A malformed one cannot be skipped safely: RFC 7606 §7.11 demands
    /// AFI/SAFI-disable or session reset.
    private mutating func decodeReach(_ value: ByteBuffer) throws(MessageError) {
        let code = PathAttributeCode.multiprotocolReachNLRI.rawValue
        var v = value
        guard let afi = v.readInteger(as: UInt16.self), let safi = v.readInteger(as: UInt8.self) else {
            throw .update(.optionalAttributeError, reason: "MP_REACH_NLRI too short for AFI/SAFI")
        }
        let family = AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi))
        guard Self.isSupported(family) else {
            report(code, .attributeDiscard, .optionalAttributeError, "MP_REACH_NLRI for unsupported family \(family) ignored")
            return
        }
        guard let nextHopLength = v.readInteger(as: UInt8.self), var nextHopField = v.readSlice(length: Int(nextHopLength)),
            v.readInteger(as: UInt8.self) != nil  // Reserved
        else {
            report(code, .afiSafiDisable(family), .optionalAttributeError, "MP_REACH_NLRI next hop overruns the attribute")
            return
        }
        var nextHops: [IPAddress] = []
        switch (family.afi, nextHopLength) {
        case (.ipv4, 4):
            nextHops = [.v4(IPv4Address(rawValue: nextHopField.readInteger(as: UInt32.self)!))]
        case (.ipv6, 16), (.ipv6, 32):
            while let high = nextHopField.readInteger(as: UInt64.self), let low = nextHopField.readInteger(as: UInt64.self) {
                nextHops.append(.v6(IPv6Address(high: high, low: low)))
            }
        default:
            report(
                code, .afiSafiDisable(family), .optionalAttributeError,
                "MP_REACH_NLRI next hop length \(nextHopLength) is not valid for \(family)")
            return
        }
        do {
            let nlri = try NLRI.decodeList(v, afi: family.afi, addPath: context.addPath.contains(family))
            reach = MultiprotocolReach(family: family, nextHops: nextHops, nlri: nlri)
        } catch {
            report(code, .afiSafiDisable(family), .optionalAttributeError, "MP_REACH_NLRI has malformed NLRI: \(error)")
        }
    }

    /// MP_UNREACH_NLRI (RFC 4760 §4), RFC 7606 §7.12.
    private mutating func decodeUnreach(_ value: ByteBuffer) throws(MessageError) {
        let code = PathAttributeCode.multiprotocolUnreachNLRI.rawValue
        var v = value
        guard let afi = v.readInteger(as: UInt16.self), let safi = v.readInteger(as: UInt8.self) else {
            throw .update(.optionalAttributeError, reason: "MP_UNREACH_NLRI too short for AFI/SAFI")
        }
        let family = AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi))
        guard Self.isSupported(family) else {
            report(code, .attributeDiscard, .optionalAttributeError, "MP_UNREACH_NLRI for unsupported family \(family) ignored")
            return
        }
        do {
            let withdrawn = try NLRI.decodeList(v, afi: family.afi, addPath: context.addPath.contains(family))
            unreach = MultiprotocolUnreach(family: family, withdrawn: withdrawn)
        } catch {
            report(code, .afiSafiDisable(family), .optionalAttributeError, "MP_UNREACH_NLRI has malformed NLRI: \(error)")
        }
    }

    /// RFC 6793 §4.2.3: folds AS4_PATH and AS4_AGGREGATOR received from a 2-octet speaker into the path.
    mutating func mergeFourOctetAttributes() {
        guard !context.fourOctetASN else { return }
        if let aggregator = attributes.aggregator, aggregator.asn != .asTrans {
            // "If the AS field of the AGGREGATOR attribute is not AS_TRANS, AS4_AGGREGATOR and AS4_PATH are
            // ignored."
            return
        }
        if let as4Aggregator { attributes.aggregator = as4Aggregator }
        if let as4Path, let asPath = attributes.asPath {
            attributes.asPath = ASPath.merge(asPath: asPath, as4Path: as4Path)
        }
    }
}
