// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// An UPDATE message (RFC 4271 §4.3) with MP-BGP (RFC 4760) reach and unreach kept beside the route
/// attributes.
public struct UpdateMessage: Hashable, Sendable {
    /// IPv4 unicast prefixes withdrawn in the Withdrawn Routes field.
    public var withdrawnRoutes: [NLRI]
    /// The path attributes for the reachable NLRI (MP_REACH/MP_UNREACH excluded).
    public var attributes: PathAttributes
    /// IPv4 unicast prefixes in the NLRI field.
    public var nlri: [NLRI]
    /// MP_REACH_NLRI, if present.
    public var multiprotocolReach: MultiprotocolReach?
    /// MP_UNREACH_NLRI, if present.
    public var multiprotocolUnreach: MultiprotocolUnreach?

    /// Creates an UPDATE.
    public init(
        withdrawnRoutes: [NLRI] = [], attributes: PathAttributes = PathAttributes(), nlri: [NLRI] = [],
        multiprotocolReach: MultiprotocolReach? = nil, multiprotocolUnreach: MultiprotocolUnreach? = nil
    ) {
        self.withdrawnRoutes = withdrawnRoutes
        self.attributes = attributes
        self.nlri = nlri
        self.multiprotocolReach = multiprotocolReach
        self.multiprotocolUnreach = multiprotocolUnreach
    }

    /// The End-of-RIB marker for `family` (RFC 4724 §2): an empty UPDATE for IPv4 unicast, otherwise an UPDATE
    /// carrying only an empty MP_UNREACH_NLRI.
    public static func endOfRIB(_ family: AddressFamily) -> UpdateMessage {
        if family == .ipv4Unicast { return UpdateMessage() }
        return UpdateMessage(multiprotocolUnreach: MultiprotocolUnreach(family: family, withdrawn: []))
    }

    /// The family this UPDATE marks End-of-RIB for, or `nil` when it is not such a marker.
    public var endOfRIB: AddressFamily? {
        guard withdrawnRoutes.isEmpty, nlri.isEmpty, multiprotocolReach == nil else { return nil }
        if let unreach = multiprotocolUnreach {
            return unreach.withdrawn.isEmpty && attributes.isEmpty ? unreach.family : nil
        }
        return attributes.isEmpty ? .ipv4Unicast : nil
    }

    /// True when the UPDATE announces at least one prefix.
    public var hasReachableNLRI: Bool { !nlri.isEmpty || !(multiprotocolReach?.nlri.isEmpty ?? true) }

    /// The same UPDATE with every announced prefix turned into a withdrawal (RFC 7606 §2 "treat-as-withdraw").
    /// Usually one message; two when MP_REACH and MP_UNREACH named different families.
    public func treatedAsWithdraw() -> [UpdateMessage] {
        var first = UpdateMessage(withdrawnRoutes: withdrawnRoutes + nlri, multiprotocolUnreach: multiprotocolUnreach)
        guard let reach = multiprotocolReach, !reach.nlri.isEmpty else { return [first] }
        if first.multiprotocolUnreach == nil {
            first.multiprotocolUnreach = MultiprotocolUnreach(family: reach.family, withdrawn: reach.nlri)
        } else if first.multiprotocolUnreach?.family == reach.family {
            first.multiprotocolUnreach?.withdrawn += reach.nlri
        } else {
            return [first, UpdateMessage(multiprotocolUnreach: MultiprotocolUnreach(family: reach.family, withdrawn: reach.nlri))]
        }
        return [first]
    }
}
