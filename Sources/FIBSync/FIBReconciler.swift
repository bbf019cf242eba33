// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// One change to make to a routing table. `install` creates or replaces the route with the same key; `create`
/// never replaces a route Peerlet does not own.
public enum FIBOperation: Hashable, Sendable, CustomStringConvertible {
    /// Create or replace (NLM_F_CREATE | NLM_F_REPLACE): for a key Peerlet already holds.
    case install(KernelRoute)
    /// Create a route for a key Peerlet does not hold yet (NLM_F_CREATE | NLM_F_EXCL): a route of another owner
    /// with the same key (prefix and metric) makes it fail with EEXIST, a conflict, and is left as it is. A key
    /// holding Peerlet's own route from before a restart is adopted (replaced) instead.
    case create(KernelRoute)
    /// Delete this exact route.
    case remove(KernelRoute)
    /// Delete `routes`, which are every route Peerlet has through `nextHops`: with kernel next-hop objects, one
    /// deletion of the object, which takes its routes with it (a peer gone, a full withdrawal: a million routes
    /// leave the table in a fraction of a second); otherwise route by route. It may be applied before the other
    /// operations of its call, so the FIB service sends it only among removals.
    case removeThrough(nextHops: [KernelNextHop], routes: RouteSet)

    /// The route concerned (the first, for `removeThrough`).
    public var route: KernelRoute {
        switch self {
        case .install(let r), .create(let r), .remove(let r): r
        case .removeThrough(_, let routes): routes.template
        }
    }

    /// The destination of every route concerned.
    public var prefixes: [IPPrefix] {
        switch self {
        case .install(let r), .create(let r), .remove(let r): [r.prefix]
        case .removeThrough(_, let routes): routes.prefixes
        }
    }

    public var description: String {
        switch self {
        case .install(let r): "install \(r)"
        case .create(let r): "create \(r)"
        case .remove(let r): "remove \(r)"
        case .removeThrough(let hops, let routes):
            "remove the \(routes.prefixes.count) routes through \(hops.map(\.description).joined(separator: ", "))"
        }
    }
}

/// The difference between the routes Peerlet wants in a table and what the table holds, as operations (BIRD's
/// scan/prune, Calico's `scan time`): pure, so it is tested without a kernel and run after every overrun and at
/// start.
///
/// Ownership: only routes with Peerlet's protocol number are ever removed or replaced. A wanted route whose key
/// (prefix and metric) is held by a route of another protocol is not installed — replacing it would change a
/// route Peerlet does not own — and is reported as a conflict.
public struct FIBReconciler: Sendable {
    /// Peerlet's protocol number.
    public var protocolNumber: UInt8

    /// Creates a reconciler for routes of `protocolNumber`.
    public init(protocolNumber: UInt8) { self.protocolNumber = protocolNumber }

    /// The plan.
    public struct Plan: Hashable, Sendable {
        /// Operations, removals first (freeing keys before installs reuse them is never needed, but keeps the
        /// table small during large reconciles).
        public var operations: [FIBOperation]
        /// Wanted routes not installed because another protocol holds their key.
        public var conflicts: [KernelRoute]
    }

    /// Plans the operations that turn `observed` (everything in the table, any protocol) into `desired`.
    public func plan(desired: [KernelRoute], observed: [KernelRoute]) -> Plan {
        var ours: [RouteKey: KernelRoute] = [:]
        var foreign: Set<RouteKey> = []
        for route in observed {
            if route.protocolNumber == protocolNumber { ours[route.key] = route } else { foreign.insert(route.key) }
        }
        var wanted: [RouteKey: KernelRoute] = [:]
        for route in desired { wanted[route.key] = route }
        var removals: [FIBOperation] = []
        var installs: [FIBOperation] = []
        var conflicts: [KernelRoute] = []
        for (key, route) in ours.sorted(by: { $0.key < $1.key }) where wanted[key] == nil {
            removals.append(.remove(route))
        }
        for (key, route) in wanted.sorted(by: { $0.key < $1.key }) {
            if foreign.contains(key), ours[key] == nil {
                conflicts.append(route)
                continue
            }
            if let existing = ours[key] {
                if !route.isSatisfied(by: existing) { installs.append(.install(route)) }
            } else {
                installs.append(.create(route))
            }
        }
        return Plan(operations: removals + installs, conflicts: conflicts)
    }
}
