// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A network interface as an RTM_NEWLINK message describes it: what workload discovery needs to know.
public struct KernelLink: Hashable, Sendable, CustomStringConvertible {
    /// The interface index (`ifi_index`).
    public var index: UInt32
    /// The name (`IFLA_IFNAME`), e.g. `cali1a2b3c` or `veth0`.
    public var name: String
    /// The link kind (`IFLA_INFO_KIND`): `veth`, `macvlan`, `ipvlan`…; `nil` for a physical device.
    public var kind: String?
    /// For an `ipvlan` link, its mode (`IFLA_IPVLAN_MODE`).
    public var ipvlanMode: IPVLANMode?
    /// `IFF_UP`: administratively up.
    public var isUp: Bool

    /// The modes of an ipvlan link (linux/if_link.h).
    public enum IPVLANMode: UInt16, Hashable, Sendable {
        /// IPVLAN_MODE_L2.
        case l2 = 0
        /// IPVLAN_MODE_L3: the host routes for the link's addresses; its subnets are announced.
        case l3 = 1
        /// IPVLAN_MODE_L3S: L3 with netfilter.
        case l3s = 2
    }

    /// Creates a link.
    public init(index: UInt32, name: String, kind: String? = nil, ipvlanMode: IPVLANMode? = nil, isUp: Bool = true) {
        self.index = index
        self.name = name
        self.kind = kind
        self.ipvlanMode = ipvlanMode
        self.isUp = isUp
    }

    /// True for an ipvlan link in L3 or L3S mode.
    public var isIPVLANL3: Bool { kind == "ipvlan" && (ipvlanMode == .l3 || ipvlanMode == .l3s) }

    public var description: String {
        var text = "\(name) (#\(index)"
        if let kind { text += ", \(kind)" }
        if let ipvlanMode { text += " mode \(ipvlanMode)" }
        return text + (isUp ? ", up)" : ", down)")
    }
}
