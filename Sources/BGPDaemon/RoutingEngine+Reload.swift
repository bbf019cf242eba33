// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPRIB
import BGPWire
import NIOCore

/// A reload, inside the engine (on the event loop): neighbours leave, policies change in place. Sessions that
/// stay are never reset: inbound, the pre-policy Adj-RIB-In is run through the new import policy; outbound, the
/// Adj-RIB-Out is computed before and after and the difference is sent.
extension RoutingEngine {
    /// Forgets the neighbour at `address`, after its controller was told to stop: its routes leave the Loc-RIB.
    func remove(neighborAt address: IPAddress) {
        guard let (id, neighbor) = neighbors.first(where: { $0.value.config.address == address }) else { return }
        neighbor.controller.observer = nil
        neighbors[id] = nil
        if neighbor.ribPeer != nil { distribute(rib.peerDown(id)) }
    }

    /// Takes the new configuration: neighbours updated in place, policies recompiled, the affected routes
    /// re-imported and re-exported, networks announced and withdrawn as `diff` says.
    func reconfigure(_ new: DaemonConfig, diff: ConfigDiff) {
        eventLoop.assertInEventLoop()
        // The Adj-RIB-Out as it is now, for the neighbours whose export changes.
        var before: [PeerID: [AdvertisedRoute]] = [:]
        for neighbor in neighbors.values where diff.reexport.contains(neighbor.config.address) && neighbor.negotiated != nil {
            before[neighbor.id] = adjRIBOut(to: neighbor.config.address)
        }
        config = new
        policies = Self.compile(new.policies, logger: logger)
        let configured = Dictionary(new.neighbors.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        for neighbor in neighbors.values {
            if let updated = configured[neighbor.config.address] { neighbor.config = updated }
        }
        for neighbor in neighbors.values where diff.reimport.contains(neighbor.config.address) { reimport(neighbor) }
        for (id, old) in before {
            guard let neighbor = neighbors[id] else { continue }
            reexport(neighbor, before: old)
        }
        if !diff.networksRemoved.isEmpty {
            distribute(rib.update(from: .local, withdrawn: diff.networksRemoved.map { RoutePrefix($0) }))
        }
        for network in new.networks where diff.networksAdded.contains(network.prefix) {
            let attributes = RouteAttributes(
                attributes: PathAttributes(
                    origin: .igp, asPath: .empty, multiExitDiscriminator: network.med, localPreference: network.localPreference,
                    communities: network.communities, largeCommunities: network.largeCommunities))
            distribute(rib.update(from: .local, announced: [RoutePrefix(network.prefix)], attributes: attributes))
        }
    }

    /// Runs every path from `neighbor` through its (new) import policy again, from the pre-policy Adj-RIB-In:
    /// no route refresh, no session reset.
    func reimport(_ neighbor: Neighbor) {
        guard neighbor.ribPeer != nil else { return }
        var groups: [RouteAttributes: [RoutePrefix]] = [:]
        for prefix in rib.storedPrefixes {
            for path in rib.paths(for: prefix) where path.peer == neighbor.id {
                groups[path.received, default: []].append(RoutePrefix(prefix, pathID: path.pathID))
            }
        }
        let policy = importPolicy(neighbor)
        for (attributes, prefixes) in groups {
            distribute(rib.update(from: neighbor.id, announced: prefixes, attributes: attributes, policy: policy))
        }
    }

    /// Sends `neighbor` what changed in its Adj-RIB-Out since `before`: withdrawals for what it no longer gets,
    /// the table again for the rest (UPDATEs that change nothing are harmless to the receiver).
    func reexport(_ neighbor: Neighbor, before: [AdvertisedRoute]) {
        guard let negotiated = neighbor.negotiated else { return }
        let after = Set(adjRIBOut(to: neighbor.config.address).map { NLRI(prefix: $0.prefix, pathID: $0.pathID) })
        var withdraw: [AddressFamily: [NLRI]] = [:]
        for route in before where !after.contains(NLRI(prefix: route.prefix, pathID: route.pathID)) {
            withdraw[route.prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast, default: []].append(NLRI(prefix: route.prefix, pathID: route.pathID))
        }
        if !withdraw.isEmpty { send(groups: [], withdraw: withdraw, to: neighbor, negotiated: negotiated) }
        for family in negotiated.families { _ = sendTable(family: family, to: neighbor.id, endOfRIB: false) }
    }
}
