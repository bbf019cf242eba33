// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import NIOCore
import BGPModel

extension OpenMessage {
    /// Optional Parameter type 2: Capabilities (RFC 5492 §4).
    static let capabilitiesParameter: UInt8 = 2
    /// RFC 9072 §2: a Non-Ext OP Len of 255 followed by Non-Ext OP Type 255 marks extended parameters.
    static let extendedParametersMarker: UInt8 = 255

    /// Decodes an OPEN body (after the 19-octet header) per RFC 4271 §4.2 and §6.2, RFC 5492 and RFC 9072.
    ///
    /// Only syntax is checked here. The semantic checks of §6.2 (peer AS, hold time, BGP Identifier) need the
    /// session's configuration and live in the FSM.
    public static func decode(body: ByteBuffer) throws(MessageError) -> OpenMessage {
        var b = body
        guard let version = b.readInteger(as: UInt8.self), let myAS = b.readInteger(as: UInt16.self),
            let hold = b.readInteger(as: UInt16.self), let identifier = b.readInteger(as: UInt32.self),
            var paramsLength = b.readInteger(as: UInt8.self).map(Int.init)
        else { throw .malformedOpen("OPEN shorter than its fixed fields") }
        // §6.2: "If the version number in the Version field of the received OPEN message is not supported".
        guard version == 4 else { throw .unsupportedVersionNumber(received: version) }
        var extended = false
        if paramsLength == Int(extendedParametersMarker), b.getInteger(at: b.readerIndex, as: UInt8.self)
            == extendedParametersMarker
        {
            // RFC 9072 §2: Non-Ext OP Type 255, then a 2-octet Extended Opt. Parm. Length.
            b.moveReaderIndex(forwardBy: 1)
            guard let length = b.readInteger(as: UInt16.self) else {
                throw .malformedOpen("truncated extended optional parameters length")
            }
            paramsLength = Int(length)
            extended = true
        }
        guard paramsLength == b.readableBytes else {
            throw .malformedOpen(
                "optional parameters length \(paramsLength) does not match the \(b.readableBytes) octets present")
        }
        var capabilities: [Capability] = []
        while b.readableBytes > 0 {
            guard let type = b.readInteger(as: UInt8.self),
                let length = extended ? b.readInteger(as: UInt16.self).map(Int.init) : b.readInteger(as: UInt8.self).map(Int.init),
                var value = b.readSlice(length: length)
            else { throw .malformedOpen("optional parameter overruns the OPEN message") }
            guard type == capabilitiesParameter else { throw .unsupportedOptionalParameter(type) }
            while value.readableBytes > 0 {
                guard let code = value.readInteger(as: UInt8.self), let capLength = value.readInteger(as: UInt8.self),
                    let capValue = value.readSlice(length: Int(capLength))
                else { throw .malformedOpen("capability overruns its optional parameter") }
                capabilities.append(try Capability.decode(code: code, value: capValue))
            }
        }
        return OpenMessage(
            version: version, myAutonomousSystem: myAS, holdTime: hold, bgpIdentifier: RouterID(rawValue: identifier),
            capabilities: capabilities)
    }

    /// Writes the OPEN body. All capabilities go into one Capabilities parameter; if that exceeds 255 octets
    /// the RFC 9072 extended encoding is used.
    public func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(version)
        buffer.writeInteger(myAutonomousSystem)
        buffer.writeInteger(holdTime)
        buffer.writeInteger(bgpIdentifier.rawValue)
        var caps = ByteBuffer()
        for capability in capabilities { capability.encode(into: &caps) }
        if caps.readableBytes == 0 {
            buffer.writeInteger(UInt8(0))
        } else if caps.readableBytes + 2 <= 255 {
            buffer.writeInteger(UInt8(caps.readableBytes + 2))
            buffer.writeInteger(Self.capabilitiesParameter)
            buffer.writeInteger(UInt8(caps.readableBytes))
            buffer.writeBuffer(&caps)
        } else {
            buffer.writeInteger(Self.extendedParametersMarker)
            buffer.writeInteger(Self.extendedParametersMarker)
            buffer.writeInteger(UInt16(caps.readableBytes + 3))
            buffer.writeInteger(Self.capabilitiesParameter)
            buffer.writeInteger(UInt16(caps.readableBytes))
            buffer.writeBuffer(&caps)
        }
    }
}
