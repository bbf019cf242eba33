// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
public import FIBSync
import Glibc

/// Kernel next-hop objects: loading, gateway lookups, creation and release (all under `lock`).
extension MNLRouteTable {
    /// The object a route with `hops` refers to, created first if new; `nil`: install the route with its own
    /// next hops (objects off or unsupported, a gateway on no connected network, a set that cannot be an object).
    func nextHopObject(for hops: [KernelNextHop], state: inout State) throws(FIBError) -> UInt32? {
        if !state.objectsLoaded { try loadObjects(state: &state) }
        guard state.objectsEnabled else { return nil }
        for hop in hops {
            guard let gateway = hop.gateway, hop.interfaceIndex == nil, state.interfaces[gateway] == nil else { continue }
            if let index = try lookUpInterface(of: gateway, state: &state) { state.interfaces[gateway] = index }
        }
        guard let (id, created) = state.objects.object(for: hops, interfaces: state.interfaces) else { return nil }
        for object in created {
            let code = try lanes[0].request { seq, out in NextHopMessageBuilder.install(object, sequence: seq, into: &out) }
            guard code == 0 else {
                // Left to the kernel's judgement as a plain route; a member created already is released later.
                state.objects.forget(created.map(\.id))
                return nil
            }
        }
        return id
    }

    /// Loads the kernel's objects; a kernel without them (before 5.3) turns them off for good.
    func loadObjects(state: inout State) throws(FIBError) {
        var dumped: [NextHopObject] = []
        do {
            try lanes[0].dump({ seq, out in NextHopMessageBuilder.dumpRequest(sequence: seq, into: &out) }) { message in
                if let object = NextHopMessageParser.parse(message) { dumped.append(object) }
            }
        } catch .refused {
            state.objectsEnabled = false
            return
        }
        state.objects.load(dumped)
        state.objectsLoaded = true
    }

    /// The interface through which `gateway` is directly reachable, as the kernel resolves it (`ip route get`);
    /// `nil` when it is not on a connected network (or is a local address).
    func lookUpInterface(of gateway: IPAddress, state: inout State) throws(FIBError) -> UInt32? {
        var found: KernelRoute?
        let code = try lanes[0].request({ seq, out in NextHopMessageBuilder.lookup(gateway, sequence: seq, into: &out) }) { message in
            found = RouteMessageParser.parse(message)
        }
        guard code == 0, let route = found, route.type == .unicast, route.nextHops.count == 1,
            route.nextHops[0].gateway == nil, let index = route.nextHops[0].interfaceIndex
        else { return nil }
        return index
    }

    public func refreshNextHops() {
        lock.withLock { state in
            state.objectsLoaded = false
            state.interfaces = [:]
        }
    }

    /// Deletes Peerlet's objects that no route in the namespace refers to (after a reconcile; on a clean stop,
    /// after Peerlet's routes are gone, that is all of them). Leftovers of failed creations are found too, as the
    /// objects are reloaded from the kernel first.
    public func releaseIdleNextHops() throws(FIBError) {
        try lock.withLock { (state: inout State) throws(FIBError) in
            guard state.objectsEnabled else { return }
            try loadObjects(state: &state)
            guard state.objectsEnabled, !state.objects.objects.isEmpty else { return }
            var referenced: Set<UInt32> = []
            for ipv6 in [false, true] {
                try lanes[0].dump({ seq, out in RouteMessageBuilder.dumpRequest(ipv6: ipv6, sequence: seq, into: &out) }) { message in
                    if let id = NextHopMessageParser.nextHopID(ofRoute: message) { referenced.insert(id) }
                }
            }
            var released: [UInt32] = []
            for object in state.objects.unused(referenced: referenced) {
                let code = try lanes[0].request { seq, out in NextHopMessageBuilder.remove(id: object.id, sequence: seq, into: &out) }
                if code == 0 || code == ENOENT { released.append(object.id) }
            }
            state.objects.forget(released)
        }
    }
}
