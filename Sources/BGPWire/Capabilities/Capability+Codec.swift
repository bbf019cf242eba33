// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import NIOCore

extension Capability {
    /// Decodes one capability value. A known capability with a malformed value is an OPEN error (2/0);
    /// unknown codes are kept raw (RFC 5492 §3: unknown capabilities are ignored, Peerlet also shows them).
    public static func decode(code: UInt8, value: ByteBuffer) throws(MessageError) -> Capability {
        var v = value
        func malformed(_ what: String) -> MessageError {
            .malformedOpen("malformed \(what) capability (length \(value.readableBytes))")
        }
        switch code {
        case CapabilityCode.multiprotocol:
            // RFC 4760 §8: AFI (2), Reserved (1), SAFI (1).
            guard v.readableBytes == 4, let afi = v.readInteger(as: UInt16.self), v.readInteger(as: UInt8.self) != nil,
                let safi = v.readInteger(as: UInt8.self)
            else { throw malformed("multiprotocol") }
            return .multiprotocol(AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)))
        case CapabilityCode.routeRefresh:
            guard v.readableBytes == 0 else { throw malformed("route refresh") }
            return .routeRefresh
        case CapabilityCode.enhancedRouteRefresh:
            guard v.readableBytes == 0 else { throw malformed("enhanced route refresh") }
            return .enhancedRouteRefresh
        case CapabilityCode.extendedMessage:
            guard v.readableBytes == 0 else { throw malformed("extended message") }
            return .extendedMessage
        case CapabilityCode.role:
            // RFC 9234 §4.1: length 1. Unassigned values are kept raw so the session can report a mismatch.
            guard v.readableBytes == 1, let raw = v.readInteger(as: UInt8.self) else { throw malformed("role") }
            guard let role = BGPRole(rawValue: raw) else { return .unknown(code: code, value: [raw]) }
            return .role(role)
        case CapabilityCode.fourOctetAS:
            guard v.readableBytes == 4, let asn = v.readInteger(as: UInt32.self) else {
                throw malformed("4-octet AS")
            }
            return .fourOctetAS(ASN(asn))
        case CapabilityCode.gracefulRestart:
            // RFC 4724 §3: flags (4 bits) + restart time (12 bits), then 4-octet family tuples.
            guard v.readableBytes >= 2, (v.readableBytes - 2) % 4 == 0, let head = v.readInteger(as: UInt16.self)
            else { throw malformed("graceful restart") }
            var families: [GracefulRestartCapability.Family] = []
            while let afi = v.readInteger(as: UInt16.self), let safi = v.readInteger(as: UInt8.self),
                let flags = v.readInteger(as: UInt8.self)
            {
                families.append(
                    .init(
                        family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                        forwardingState: flags & 0x80 != 0))
            }
            return .gracefulRestart(
                GracefulRestartCapability(
                    restartState: head & 0x8000 != 0, notification: head & 0x4000 != 0, restartTime: head & 0x0FFF,
                    families: families))
        case CapabilityCode.addPath:
            // RFC 7911 §4: AFI (2), SAFI (1), Send/Receive (1), repeated.
            guard v.readableBytes % 4 == 0, v.readableBytes > 0 else { throw malformed("ADD-PATH") }
            var entries: [AddPathEntry] = []
            while let afi = v.readInteger(as: UInt16.self), let safi = v.readInteger(as: UInt8.self),
                let mode = v.readInteger(as: UInt8.self)
            {
                entries.append(
                    AddPathEntry(
                        family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                        mode: AddPathMode(rawValue: mode)))
            }
            return .addPath(entries)
        default:
            return .unknown(code: code, value: v.readBytes(length: v.readableBytes) ?? [])
        }
    }

    /// Writes code, length and value (RFC 5492 §4).
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        let start = buffer.writerIndex
        switch self {
        case .multiprotocol(let family):
            buffer.writeInteger(family.afi.rawValue)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(family.safi.rawValue)
        case .routeRefresh, .enhancedRouteRefresh, .extendedMessage:
            break
        case .role(let role):
            buffer.writeInteger(role.rawValue)
        case .fourOctetAS(let asn):
            buffer.writeInteger(asn.rawValue)
        case .gracefulRestart(let gr):
            var head = gr.restartTime & 0x0FFF
            if gr.restartState { head |= 0x8000 }
            if gr.notification { head |= 0x4000 }
            buffer.writeInteger(head)
            for entry in gr.families {
                buffer.writeInteger(entry.family.afi.rawValue)
                buffer.writeInteger(entry.family.safi.rawValue)
                buffer.writeInteger(UInt8(entry.forwardingState ? 0x80 : 0))
            }
        case .addPath(let entries):
            for entry in entries {
                buffer.writeInteger(entry.family.afi.rawValue)
                buffer.writeInteger(entry.family.safi.rawValue)
                buffer.writeInteger(entry.mode.rawValue)
            }
        case .unknown(_, let value):
            buffer.writeBytes(value)
        }
        buffer.setInteger(UInt8(truncatingIfNeeded: buffer.writerIndex - start), at: lengthIndex)
    }
}
