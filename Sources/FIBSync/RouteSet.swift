// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// Routes that differ only in their destination, kept as one template and the destinations: the compact form of
/// a large removal (8 to 24 octets a route instead of a whole `KernelRoute`).
public struct RouteSet: Hashable, Sendable {
    /// Everything but the destination (its own prefix is the first of `prefixes`).
    public var template: KernelRoute
    /// The destinations; never empty.
    public var prefixes: [IPPrefix]

    /// Creates a set from `template` and `prefixes` (not empty).
    public init(template: KernelRoute, prefixes: [IPPrefix]) {
        var template = template
        if let first = prefixes.first { template.prefix = first }
        self.template = template
        self.prefixes = prefixes
    }

    /// The routes, one by one.
    public var routes: [KernelRoute] {
        prefixes.map { prefix in
            var route = template
            route.prefix = prefix
            return route
        }
    }
}
