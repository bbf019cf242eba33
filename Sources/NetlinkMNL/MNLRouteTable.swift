// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import CMNL
public import FIBSync
import Glibc
import Dispatch
import Synchronization

/// The kernel's routing tables through a libmnl netlink socket: the real `RouteTable`.
///
/// Operations are sent in batches of up to 64 KiB, every request with NLM_F_ACK and its own sequence number, and
/// every acknowledgement is matched back to its operation (batched netlink with acknowledgements: the kernel's
/// fastest safe path; without reading them, routes are silently lost under a burst). An ENOBUFS on the socket or
/// an acknowledgement that does not come is an overrun: the outcome of some operations is unknown, and the
/// caller dumps the table and reconciles (`FIBReconciler`). Calls are serialised.
///
/// A large call is spread over several sockets (lanes, one per CPU up to `lanes`) applied concurrently: the
/// kernel serialises the table changes themselves but not the rest (message parsing, acknowledgements, their
/// reading), so two lanes finish a full table sooner. `OperationLanes` keeps overlapping prefixes in one lane, in
/// order, so forwarding never sees a change out of order.
///
/// Gateway routes refer to kernel next-hop objects (`NextHopObjectTable`) when the kernel has them: the table
/// looks up each new gateway's interface (RTM_GETROUTE), creates the objects a next-hop set needs before the first
/// route that uses them, and deletes idle ones on `releaseIdleNextHops`. A route whose next hops cannot be an
/// object is installed with its own, as before; a route refused because its object vanished (the kernel deletes
/// the objects of an interface that goes down) makes the table reload the objects and try once more.
public final class MNLRouteTable: RouteTable, @unchecked Sendable {
    // @unchecked: the sockets are used only inside `lock`, each lane by one thread.
    let lanes: [NetlinkSocket]
    let lock: Mutex<State>

    /// What calls share, under `lock`.
    struct State {
        /// Whether routes use next-hop objects (configured, and the kernel has them).
        var objectsEnabled: Bool
        /// Whether `objects` holds the kernel's objects (loaded at first use and after a refusal).
        var objectsLoaded = false
        var objects: NextHopObjectTable
        /// Each gateway's interface, as the kernel resolved it.
        var interfaces: [IPAddress: UInt32] = [:]
        /// Next-hop sets some route of Peerlet's has as its own next hops rather than through an object (found in
        /// the table at the first call, or installed so): deleting the object would not remove those routes, so
        /// `removeThrough` goes route by route for them.
        var plainSets: Set<[KernelNextHop]> = []
        /// Whether the table was scanned for such routes and for `adopted` ones.
        var scanned = false
        /// Keys (in `ownTable`, with `ownMetric`) that held Peerlet's routes when the table was first scanned: a
        /// `create` for one of them replaces the route (adoption after a restart) instead of failing as a
        /// conflict. A key leaves the set once replaced or removed.
        var adopted4: Set<IPv4Prefix> = []
        var adopted6: Set<IPv6Prefix> = []
    }
    /// The table and metric Peerlet installs with: the keys it may adopt.
    let ownTable: UInt32
    let ownMetric: UInt32
    /// The most octets per send.
    public static let batchLimit = NetlinkSocket.batchLimit
    /// Calls with fewer operations use one lane: threads are not worth it.
    static let laneThreshold = 1024

    /// Opens the netlink route sockets, inside the named network namespace (`ip netns` name) if given.
    ///
    /// `nextHopObjects`: install gateway routes through kernel next-hop objects owned by `protocolNumber`.
    /// `table`, `metric`: where Peerlet's routes go; its routes found there at the first call are adopted.
    /// `lanes`: the most sockets one call uses at once (at most the number of CPUs).
    public init(
        namespace: String? = nil, receiveBuffer: Int32 = 16 << 20, nextHopObjects: Bool = true, protocolNumber: UInt8 = 186,
        table: UInt32 = 254, metric: UInt32 = 20, lanes: Int = 2
    ) throws(FIBError) {
        ownTable = table
        ownMetric = metric
        let count = max(1, min(lanes, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        var sockets: [NetlinkSocket] = []
        for _ in 0..<count { sockets.append(try NetlinkSocket(namespace: namespace, receiveBuffer: receiveBuffer)) }
        self.lanes = sockets
        lock = Mutex(State(objectsEnabled: nextHopObjects, objects: NextHopObjectTable(protocolNumber: protocolNumber)))
    }

    public func apply(_ operations: [FIBOperation]) throws(FIBError) -> [FIBResult] {
        try lock.withLock { (state: inout State) throws(FIBError) -> [FIBResult] in
            if !state.scanned { try scan(state: &state) }
            // Whole next-hop sets first (the FIB service sends them only among removals); what cannot go at once
            // goes route by route with the rest.
            var bulk: [Int: FIBResult] = [:]
            // A create for a key holding our own route from before becomes a replace: adoption, not a conflict.
            var operations = adopt(operations, state: &state)
            var expanded: [(original: Int, count: Int)] = []
            if operations.contains(where: { if case .removeThrough = $0 { true } else { false } }) {
                var flat: [FIBOperation] = []
                for (index, operation) in operations.enumerated() {
                    guard case .removeThrough(let hops, let routes) = operation else {
                        flat.append(operation)
                        expanded.append((index, 1))
                        continue
                    }
                    if try removeObject(through: hops, state: &state) {
                        bulk[index] = .done
                    } else {
                        flat += routes.routes.map { .remove($0) }
                        expanded.append((index, routes.prefixes.count))
                    }
                }
                operations = flat
            }
            var results = try applyPerRoute(operations, state: &state)
            guard !expanded.isEmpty || !bulk.isEmpty else { return results }
            // Back to one result per operation of the call: a set removed route by route is done when every route is.
            var merged = [FIBResult?](repeating: nil, count: expanded.count + bulk.count)
            for (index, result) in bulk { merged[index] = result }
            var position = 0
            for (original, count) in expanded {
                let slice = results[position..<(position + count)]
                merged[original] = slice.first { $0 != .done } ?? .done
                position += count
            }
            results = merged.map { $0! }
            return results
        }
    }

    /// Applies single-route operations, retrying those refused while referring to a vanished object.
    private func applyPerRoute(_ operations: [FIBOperation], state: inout State) throws(FIBError) -> [FIBResult] {
        var objects = try nextHopObjects(for: operations, state: &state)
        var results = try run(operations, objects: objects)
        // Refused while referring to an object: the kernel may have deleted it (its interface went down).
        // Reload the objects and gateways, and try those routes once more.
        let retry = results.indices.filter { objects[$0] != 0 && results[$0] != .done }
        guard !retry.isEmpty else { return results }
        state.objectsLoaded = false
        state.interfaces = [:]
        let again = retry.map { operations[$0] }
        objects = try nextHopObjects(for: again, state: &state)
        for (slot, result) in zip(retry, try run(again, objects: objects)) { results[slot] = result }
        return results
    }

    /// Deletes the object of a next-hop set, and with it every route through it, when that removes exactly
    /// Peerlet's routes through the set: the object exists, no group holds it, no route has the set as its own
    /// next hops. False: nothing was done.
    private func removeObject(through hops: [KernelNextHop], state: inout State) throws(FIBError) -> Bool {
        guard state.objectsEnabled, state.scanned, !state.plainSets.contains(hops),
            let id = state.objects.existing(for: hops, interfaces: state.interfaces), !state.objects.isGroupMember(id)
        else { return false }
        let code = try lanes[0].request { seq, out in NextHopMessageBuilder.remove(id: id, sequence: seq, into: &out) }
        // ENOENT: the kernel deleted it already, with its routes (its interface went down).
        guard code == 0 || code == ENOENT else { return false }
        state.objects.forget([id])
        return true
    }

    /// Reads Peerlet's routes already in the kernel, once, at the first call: their keys, to adopt them, and the
    /// next-hop sets of those with their own next hops (left from before a restart, or from a version without
    /// objects).
    private func scan(state: inout State) throws(FIBError) {
        let protocolNumber = state.objects.protocolNumber
        var plain: Set<[KernelNextHop]> = []
        for ipv6 in [false, true] {
            try lanes[0].dump({ seq, out in RouteMessageBuilder.dumpRequest(ipv6: ipv6, sequence: seq, into: &out) }) { message in
                guard let route = RouteMessageParser.parse(message), route.protocolNumber == protocolNumber else { return }
                if route.table == ownTable, route.metric == ownMetric {
                    switch route.prefix {
                    case .v4(let p): state.adopted4.insert(p)
                    case .v6(let p): state.adopted6.insert(p)
                    }
                }
                guard route.type == .unicast, NextHopMessageParser.nextHopID(ofRoute: message) == nil else { return }
                plain.insert(route.nextHops.map { KernelNextHop(gateway: $0.gateway, interfaceIndex: $0.gateway == nil ? $0.interfaceIndex : nil, weight: $0.weight) }.sorted())
            }
        }
        state.plainSets = plain
        state.scanned = true
    }

    /// Turns a `create` of an adopted key into an `install`; a removal ends the key's adoption.
    private func adopt(_ operations: [FIBOperation], state: inout State) -> [FIBOperation] {
        guard !state.adopted4.isEmpty || !state.adopted6.isEmpty else { return operations }
        return operations.map { operation in
            let route = operation.route
            guard route.table == ownTable, route.metric == ownMetric else { return operation }
            let held: Bool
            switch route.prefix {
            case .v4(let p): held = state.adopted4.remove(p) != nil
            case .v6(let p): held = state.adopted6.remove(p) != nil
            }
            if held, case .create(let r) = operation { return .install(r) }
            return operation
        }
    }

    /// The next-hop object each install refers to (0: none), created first where new. Serial, on the first lane.
    private func nextHopObjects(for operations: [FIBOperation], state: inout State) throws(FIBError) -> [UInt32] {
        var objects = [UInt32](repeating: 0, count: operations.count)
        guard state.objectsEnabled else { return objects }
        var last: (hops: [KernelNextHop], id: UInt32)?  // consecutive routes usually share next hops
        for (index, operation) in operations.enumerated() {
            let route: KernelRoute
            switch operation {
            case .install(let r), .create(let r): route = r
            default: continue
            }
            guard route.type == .unicast, !route.nextHops.isEmpty else { continue }
            if let last, last.hops == route.nextHops {
                objects[index] = last.id
            } else {
                let id = try nextHopObject(for: route.nextHops, state: &state) ?? 0
                objects[index] = id
                last = (route.nextHops, id)
                if id == 0 { state.plainSets.insert(route.nextHops) }
            }
        }
        return objects
    }

    /// Applies the operations over the lanes, concurrently when there are many.
    private func run(_ operations: [FIBOperation], objects: [UInt32]) throws(FIBError) -> [FIBResult] {
        var results = [FIBResult?](repeating: nil, count: operations.count)
        let split = operations.count < Self.laneThreshold ? [Array(operations.indices)] : OperationLanes.split(operations, lanes: lanes.count)
        var failures = [FIBError?](repeating: nil, count: split.count)
        results.withUnsafeMutableBufferPointer { outcomes in
            failures.withUnsafeMutableBufferPointer { errors in
                // Each lane writes only the result slots of its own indices and its own error slot.
                nonisolated(unsafe) let outcomes = outcomes
                nonisolated(unsafe) let errors = errors
                let work: @Sendable (Int) -> Void = { lane in
                    do throws(FIBError) {
                        try self.lanes[lane].apply(operations, indices: split[lane], objects: objects, into: outcomes)
                    } catch {
                        errors[lane] = error
                    }
                }
                if split.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: split.count, execute: work) }
            }
        }
        // An overrun in any lane: outcomes are unknown, the caller reconciles.
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        return results.map { $0! }
    }

    public func dump(table: UInt32, ipv6: Bool) throws(FIBError) -> [KernelRoute] {
        try lock.withLock { (state: inout State) throws(FIBError) -> [KernelRoute] in
            let objects = state.objects
            var routes: [KernelRoute] = []
            try lanes[0].dump({ seq, out in RouteMessageBuilder.dumpRequest(ipv6: ipv6, sequence: seq, into: &out) }) { message in
                guard var route = RouteMessageParser.parse(message), route.table == table else { return }
                // Without the kernel's compatibility mode a route through an object reports only the object's id.
                if route.type == .unicast, route.nextHops.allSatisfy({ $0.gateway == nil && $0.interfaceIndex == nil }),
                    let id = NextHopMessageParser.nextHopID(ofRoute: message), let hops = objects.nextHops(of: id)
                {
                    route.nextHops = hops
                }
                routes.append(route)
            }
            return routes
        }
    }
}
