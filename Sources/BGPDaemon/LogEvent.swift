// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPConfig
import BGPSession
import BGPWire
import FIBSync
import NIOCore

/// Every message the daemon logs, in one place (the `peer` and `asn` metadata ride on the logger).
enum LogEvent: CustomStringConvertible {
    case listening(IPAddress, port: UInt16)
    case connecting(IPAddress, port: UInt16)
    case connectFailed(any Error)
    case connectionAccepted(ConnectionID)
    case connectionRefused(String)
    case stateChanged(from: SessionStateMachine.State, to: SessionStateMachine.State)
    case established(NegotiatedSession)
    case sessionDown(SessionDownReason)
    case attemptFailed(SessionDownReason)
    case updateReceived(UpdateMessage)
    case updateIssue(AttributeIssue)
    case md5Failed(IPAddress, any Error)
    case shuttingDown
    case routeRefreshAnswered(AddressFamily, prefixes: Int)
    case attributesTooLarge(AddressFamily, prefixes: Int, limit: Int)
    case fibFailed(FIBOperation, errno: Int32)
    case fibOverrun
    case fibConflict(KernelRoute)
    case fibError(any Error)
    case fibConverged(reason: String)
    case maxPrefixReached(accepted: Int, limit: Int, restartAfter: Duration?)
    case maxPrefixWarning(accepted: Int, percent: Int, limit: Int)
    case workloadOriginated(IPPrefix, status: WorkloadTracker.Status)
    case workloadWithdrawn(IPPrefix)
    case workloadResync
    case workloadMonitorFailed(FIBError)
    case announced(IPPrefix, owner: String, lease: TimeAmount?)
    case announcementWithdrawn(IPPrefix, owner: String)
    case leaseExpired(IPPrefix, owner: String)
    case neighborReset(IPAddress, soft: Bool)
    case reloaded(ConfigDiff)
    case reloadFailed(String)

    /// `192.0.2.1:179` or `[2001:db8::1]:179`.
    static func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
        address.afi == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    var description: String {
        switch self {
        case .listening(let address, let port): "listening for BGP on \(Self.endpoint(address, port))"
        case .connecting(let address, let port): "connecting to \(address) port \(port)"
        case .connectFailed(let error): "connect failed: \(error)"
        case .connectionAccepted(let id): "accepted connection \(id)"
        case .connectionRefused(let remote): "refused connection from \(remote): not a configured neighbor"
        case .stateChanged(let from, let to): "state \(from) -> \(to)"
        case .established(let n):
            "session established: router-id \(n.peerRouterID), hold \(n.holdTime)s, families "
                + n.families.map(\.description).joined(separator: ",") + "; neighbor capabilities: "
                + n.peerOpen.capabilities.map(\.description).joined(separator: " ")
        case .sessionDown(let reason): "session down: \(reason)"
        case .attemptFailed(let reason): "session attempt ended: \(reason)"
        case .updateReceived(let update):
            "UPDATE: \(update.nlri.count + (update.multiprotocolReach?.nlri.count ?? 0)) announced, "
                + "\(update.withdrawnRoutes.count + (update.multiprotocolUnreach?.withdrawn.count ?? 0)) withdrawn"
        case .updateIssue(let issue): "RFC 7606: \(issue)"
        case .md5Failed(let address, let error): "cannot set TCP MD5 key for \(address): \(error)"
        case .shuttingDown: "shutting down: sending Cease to every neighbor"
        case .routeRefreshAnswered(let family, let prefixes): "route refresh for \(family) answered with \(prefixes) prefixes"
        case .fibFailed(let operation, let errno):
            "kernel refused to \(operation): "
                + (errno == 101 || errno == 113 ? "next hop not on a connected network (errno \(errno))" : "errno \(errno)")
        case .fibOverrun: "netlink overrun: reconciling the routing table"
        case .fibConflict(let route): "not installing \(route.prefix): another protocol's route has the same key (\(route))"
        case .fibError(let error): "routing table error: \(error)"
        case .fibConverged(let reason): "initial routing table complete (\(reason)): removing stale kernel routes"
        case .attributesTooLarge(let family, let prefixes, let limit):
            "\(prefixes) \(family) prefixes not sent: their attributes do not fit a \(limit)-octet message"
        case .maxPrefixReached(let accepted, let limit, let restartAfter):
            "maximum prefixes reached: \(accepted) accepted, limit \(limit); closing the session"
                + (restartAfter.map { ", restart in \($0)" } ?? ", no automatic restart")
        case .maxPrefixWarning(let accepted, let percent, let limit):
            "\(accepted) prefixes accepted, \(percent)% of the limit \(limit)"
        case .workloadOriginated(let prefix, let status):
            switch status {
            case .workload(let interface?, _): "workload \(prefix) on \(interface): announcing"
            case .workload(nil, let number): "workload \(prefix) (protocol \(number)): announcing"
            case .address(let interface): "address \(prefix) on \(interface): announcing"
            case .ipvlanSubnet(let interface): "ipvlan L3 link \(interface) up: announcing \(prefix)"
            default: "announcing \(prefix)"
            }
        case .workloadWithdrawn(let prefix): "workload \(prefix) gone: withdrawing"
        case .workloadResync: "kernel dropped link, address or route notifications: re-reading them all"
        case .workloadMonitorFailed(let error): "workload discovery stopped: \(error)"
        case .announced(let prefix, let owner, let lease):
            "API: announcing \(prefix) for \(owner)" + (lease.map { ", lease \($0.nanoseconds / 1_000_000_000) s" } ?? "")
        case .announcementWithdrawn(let prefix, let owner): "API: \(owner) withdrew \(prefix)"
        case .leaseExpired(let prefix, let owner): "API: the lease of \(owner) on \(prefix) ran out: withdrawing"
        case .neighborReset(let address, let soft): "API: \(soft ? "soft" : "hard") reset of \(address)"
        case .reloaded(let diff):
            diff.isEmpty ? "configuration reloaded: nothing changed"
                : "configuration reloaded: \(diff.added.count) neighbors added, \(diff.removed.count) removed, \(diff.reset.count) reset, "
                    + "\(diff.updated.count) updated in place, \(diff.policies.count) policies changed, "
                    + "\(diff.networksAdded.count + diff.networksRemoved.count) networks changed"
        case .reloadFailed(let why): "configuration not reloaded, the running one stays: \(why)"
        }
    }
}
