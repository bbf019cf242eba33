// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The AGGREGATOR attribute (RFC 4271 §5.1.7), held with a 4-octet ASN (RFC 6793 merges AS4_AGGREGATOR in).
public struct Aggregator: Hashable, Sendable, CustomStringConvertible {
    /// The AS of the speaker that formed the aggregate.
    public var asn: ASN
    /// The BGP Identifier (an IPv4 address) of that speaker.
    public var address: IPv4Address

    /// Creates an aggregator value.
    public init(asn: ASN, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }

    public var description: String { "\(asn) \(address)" }
}
