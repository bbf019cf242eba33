// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// An OPEN message (RFC 4271 §4.2) with its capabilities (RFC 5492) decoded.
public struct OpenMessage: Hashable, Sendable {
    /// The protocol version; 4.
    public var version: UInt8
    /// The 2-octet My Autonomous System field (AS_TRANS when the real ASN needs 4 octets, RFC 6793 §4.1).
    public var myAutonomousSystem: UInt16
    /// The proposed hold time in seconds.
    public var holdTime: UInt16
    /// The sender's BGP Identifier.
    public var bgpIdentifier: RouterID
    /// The capabilities advertised, in order.
    public var capabilities: [Capability]

    /// Creates an OPEN.
    public init(
        version: UInt8 = 4, myAutonomousSystem: UInt16, holdTime: UInt16, bgpIdentifier: RouterID,
        capabilities: [Capability]
    ) {
        self.version = version
        self.myAutonomousSystem = myAutonomousSystem
        self.holdTime = holdTime
        self.bgpIdentifier = bgpIdentifier
        self.capabilities = capabilities
    }

    /// Creates an OPEN for `asn`, filling My Autonomous System per RFC 6793 and adding the 4-octet AS capability.
    public init(asn: ASN, holdTime: UInt16, bgpIdentifier: RouterID, capabilities: [Capability]) {
        var caps = capabilities
        if !caps.contains(where: { if case .fourOctetAS = $0 { true } else { false } }) {
            caps.append(.fourOctetAS(asn))
        }
        self.init(
            myAutonomousSystem: asn.twoOctetRepresentation, holdTime: holdTime, bgpIdentifier: bgpIdentifier,
            capabilities: caps)
    }

    /// The sender's AS: the 4-octet AS capability if present (RFC 6793 §4.1), else My Autonomous System.
    public var autonomousSystem: ASN {
        for case .fourOctetAS(let asn) in capabilities { return asn }
        return ASN(UInt32(myAutonomousSystem))
    }
}
