// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The seam between Peerlet and a kernel routing table. `NetlinkMNL.MNLRouteTable` is the real one; tests of the
/// code above it use an in-memory table.
public protocol RouteTable: Sendable {
    /// Applies operations in order, batched; every operation gets its own result.
    func apply(_ operations: [FIBOperation]) throws(FIBError) -> [FIBResult]
    /// Every route of one family in `table`, of any protocol.
    func dump(table: UInt32, ipv6: Bool) throws(FIBError) -> [KernelRoute]
    /// Deletes the table's own helper state in the kernel that no route uses any more (next-hop objects). Called
    /// after a reconcile and on a clean stop; tables without such state do nothing.
    func releaseIdleNextHops() throws(FIBError)
    /// Forgets what the table believes about the kernel's next hops (objects, gateway interfaces), to read them
    /// again before the next operation: the kernel changes them itself when a link goes down (it deletes the
    /// objects on it and shrinks the groups that held them).
    func refreshNextHops()
}

extension RouteTable {
    /// Nothing to release.
    public func releaseIdleNextHops() throws(FIBError) {}
    /// Nothing to refresh.
    public func refreshNextHops() {}
}

/// The outcome of one operation.
public enum FIBResult: Hashable, Sendable {
    /// Done (a delete of a route already gone counts as done: ESRCH).
    case done
    /// The kernel refused it with this errno (ENETUNREACH: the next hop is not on a connected network).
    case failed(errno: Int32)
}

/// A failure of the table as a whole (not of one route).
public enum FIBError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The netlink socket could not be opened or bound.
    case socket(errno: Int32)
    /// The receive buffer overran (ENOBUFS) or acknowledgements went missing: the table must be dumped and
    /// reconciled, as some operations' outcomes are unknown.
    case overrun
    /// A reply could not be parsed.
    case malformedReply(String)
    /// The kernel refused a request that is not a route operation (a dump, a next-hop object).
    case refused(errno: Int32)

    public var description: String {
        switch self {
        case .socket(let e): "netlink socket error \(e)"
        case .overrun: "netlink overrun: outcomes unknown, the table needs a reconcile"
        case .malformedReply(let what): "malformed netlink reply: \(what)"
        case .refused(let e): "netlink request refused with errno \(e)"
        }
    }
}
