// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// Workload discovery: which kernel host routes are this host's workloads, and how they are announced.
public struct WorkloadConfig: Hashable, Sendable {
    /// Interface-name patterns (`cali*`, `veth*`, `lxc*`): host routes through a matching, up interface.
    public var interfaces: [String] = []
    /// Interface-name patterns whose addresses are announced as host routes (/32, /128): addresses bound to an
    /// interface in the host's namespace, such as kube-proxy's service addresses on `kube-ipvs0` or ipvlan and
    /// macvlan devices left in the host namespace.
    public var addresses: [String] = []
    /// Route protocol numbers whose host routes are workloads wherever they point.
    public var protocols: [UInt8] = []
    /// The table watched (254 = main).
    public var table: UInt32 = 254
    /// Owned IPAM blocks: announced, and the workload /32s and /128s inside them are not.
    public var blocks: [IPPrefix] = []
    /// Install an unreachable route (protocol `fib.protocol`) for each owned block, so that traffic to an unused
    /// address in it ends here with ICMP unreachable. Workload routes inside the block are more specific.
    public var unreachableBlocks = false
    /// Subnets announced while an ipvlan link in L3 mode matching `interface` exists and is up.
    public var ipvlan: [IPVLANSubnets] = []
    /// Standard communities attached to workload routes.
    public var communities: [Community] = []
    /// Large communities attached to workload routes.
    public var largeCommunities: [LargeCommunity] = []
    /// MULTI_EXIT_DISC sent with workload routes.
    public var med: UInt32?

    /// Creates an empty (disabled) configuration.
    public init() {}

    /// True when anything is to be discovered.
    public var isEnabled: Bool { !interfaces.isEmpty || !addresses.isEmpty || !protocols.isEmpty || !ipvlan.isEmpty }

    /// The subnets of ipvlan L3 links whose names match a pattern.
    public struct IPVLANSubnets: Hashable, Sendable {
        /// The interface-name pattern.
        public var interface: String
        /// The subnets announced while such a link is up.
        public var subnets: [IPPrefix]

        /// Creates an entry.
        public init(interface: String, subnets: [IPPrefix]) {
            self.interface = interface
            self.subnets = subnets
        }
    }
}
