// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// What a session negotiated that changes how messages are encoded or decoded in one direction.
///
/// A session holds two: one for what it receives (ADD-PATH families it may receive) and one for what it
/// sends. Before OPEN negotiation the defaults apply (RFC 4271 framing, 4096-octet messages).
public struct CodecContext: Hashable, Sendable {
    /// RFC 6793: both sides advertised the 4-octet AS capability, so AS_PATH and AGGREGATOR carry 4-octet ASNs.
    public var fourOctetASN: Bool
    /// Families whose NLRI carry ADD-PATH Path Identifiers in this direction (RFC 7911 §3).
    public var addPath: Set<AddressFamily>
    /// The neighbour is in another AS: LOCAL_PREF from it is discarded (RFC 7606 §7.5) and confederation
    /// segments in AS_PATH are malformed (RFC 7606 §7.2).
    public var externalPeer: Bool
    /// The largest message allowed: 4096, or 65535 with Extended Message on both sides (RFC 8654).
    public var maximumMessageLength: Int

    /// Creates a context; the defaults are those of a new eBGP session with 4-octet ASNs.
    public init(
        fourOctetASN: Bool = true, addPath: Set<AddressFamily> = [], externalPeer: Bool = true,
        maximumMessageLength: Int = BGPHeader.maximumMessageLength
    ) {
        self.fourOctetASN = fourOctetASN
        self.addPath = addPath
        self.externalPeer = externalPeer
        self.maximumMessageLength = maximumMessageLength
    }
}
