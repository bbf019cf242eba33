// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPRIB
import NIOCore
import PeerletAPI

/// `explain`: the whole pipeline for one prefix, recomputed on demand from what the RIB keeps (the pre-policy
/// Adj-RIB-In of every path), so it costs nothing per route while nobody asks.
extension RoutingEngine {
    /// Explains `prefix` up to the RIB and the exports; the caller adds the FIB and workload parts.
    func explain(_ prefix: IPPrefix, workload: String?) -> Explanation {
        let infos = rib.paths(for: prefix)
        let selection = rib.selection(for: prefix)
        // The decision process again, over the eligible paths, for the step at which each one lost.
        let eligible = infos.indices.filter { infos[$0].accepted != nil }
        let decision = DecisionProcess.decide(
            eligible.map { DecisionCandidate(peer: rib.peer(infos[$0].peer), attributes: infos[$0].accepted!, pathID: infos[$0].pathID) },
            options: rib.configuration.decision)
        let bestSource = decision.best.map { sourceName(infos[eligible[$0]].peer) }
        var candidates: [ExplainedPath] = []
        for (index, info) in infos.enumerated() {
            let verdict: String
            if info.isBest {
                verdict = "best" + (infos.count > 1 ? " (\(selection?.decidedBy.description ?? "only candidate"))" : "")
            } else if info.isMultipath {
                verdict = "multipath: equal to the best up to the router-ID tie-break"
            } else if info.accepted == nil {
                verdict = "not a candidate: ineligible"
            } else if let position = eligible.firstIndex(of: index), let step = decision.lostAt[position] {
                verdict = "lost at \(step) to \(bestSource ?? "the best path")"
            } else {
                verdict = "candidate"
            }
            candidates.append(ExplainedPath(
                path: pathEntry(info, prefix: prefix), origin: origin(of: info, prefix: prefix, workload: workload),
                importResult: importVerdict(info, prefix: prefix), decision: verdict))
        }
        let exports = neighbors.values.sorted { $0.config.address < $1.config.address }.map { target in
            let (advertised, reason) = exportVerdict(selection, prefix: prefix, to: target)
            return ExportDecision(neighbor: "\(target.config.address)", advertised: advertised, reason: reason)
        }
        var summary: String
        if let selection {
            summary = "best from \(sourceName(selection.best.peer)) (\(selection.decidedBy))"
            if !selection.others.isEmpty { summary += " with \(selection.others.count) more in the ECMP set" }
        } else if infos.isEmpty {
            summary = "no path: no neighbour sent it and this host does not originate it"
        } else {
            summary = "no usable path: every one of the \(infos.count) is ineligible"
        }
        if !exports.isEmpty {
            summary += "; advertised to \(exports.filter(\.advertised).count) of \(exports.count) neighbors"
        }
        return Explanation(
            prefix: "\(prefix)", summary: summary, candidates: candidates, decidedBy: selection.map { "\($0.decidedBy)" }, exports: exports,
            fib: nil, workload: workload)
    }

    /// Where a path came from, in words.
    private func origin(of info: PathInfo, prefix: IPPrefix, workload: String?) -> String {
        guard info.peer == .local else {
            let neighbor = neighbors[info.peer]
            return "neighbor \(sourceName(info.peer))" + (neighbor.map { " (AS \($0.config.peerAS))" } ?? "") + ", received \(age(info)) s ago"
        }
        if let announcement = announcement(prefix, pathID: info.pathID) {
            var text = "API announcement by \(announcement.owner)"
            if let expires = announcement.expires {
                text += ", lease ends in \(max(0, (expires - .now()).nanoseconds / 1_000_000_000)) s"
            }
            return text
        }
        if config.networks.contains(where: { $0.prefix == prefix }) { return "configuration (networks)" }
        if config.workloads.blocks.contains(prefix) { return "owned IPAM block (workloads.blocks)" }
        return "workload discovery" + (workload.map { ": \($0)" } ?? "")
    }

    /// Seconds since the path arrived.
    private func age(_ info: PathInfo) -> Int {
        max(0, Int((NIODeadline.now() - started).nanoseconds / 1_000_000_000) - Int(info.time))
    }

    /// What import made of a path: accepted or rejected, and by what.
    private func importVerdict(_ info: PathInfo, prefix: IPPrefix) -> String {
        guard info.peer != .local, let neighbor = neighbors[info.peer] else { return "originated here (no import policy)" }
        if let why = info.ineligibility, why != .rejectedByPolicy { return "ineligible: \(why) (RFC 4271 §9.1.2)" }
        switch resolve(neighbor.config.importPolicy, neighbor) {
        case .accept: return "accepted (import: \(neighbor.config.importPolicy?.description ?? "accept, the iBGP default"))"
        case .reject:
            return neighbor.config.importPolicy == nil
                ? "rejected: no import policy, and RFC 8212 gives an eBGP neighbour none by default" : "rejected (import: reject)"
        case .originated: return "rejected (import: originated applies to export only)"
        case .policy(let policy):
            let name = neighbor.config.importPolicy?.description ?? "?"
            switch policy.evaluate(info.received, context: PolicyContext(prefix: prefix, neighbor: neighbor.config.address, localAS: config.localAS)) {
            case .accepted(_, let modified, let term):
                return "accepted by " + Self.termName(term, name) + (modified ? ", attributes changed" : "")
            case .rejected(let term): return "rejected by " + Self.termName(term, name)
            }
        }
    }

    private static func termName(_ term: String?, _ policy: String) -> String {
        term.map { "term \($0) of policy \(policy)" } ?? "the default of policy \(policy)"
    }

    /// Whether the selection goes to `target`, and why (not).
    func exportVerdict(_ selection: Selection?, prefix: IPPrefix, to target: Neighbor) -> (Bool, String) {
        guard let negotiated = target.negotiated, let targetPeer = target.ribPeer else { return (false, "session not Established") }
        let family: AddressFamily = prefix.afi == .ipv4 ? .ipv4Unicast : .ipv6Unicast
        guard negotiated.families.contains(family) else { return (false, "\(Self.familyName(family)) not negotiated") }
        guard let selection else { return (false, "no route") }
        let sourceID = selection.best.peer
        let source = sourceID == .local ? nil : neighbors[sourceID]?.ribPeer
        let policyName = target.config.exportPolicy?.description
        // The RFC rules first (split horizon, NO_EXPORT…), as the export does.
        if case .failure(let refusal) = ExportRules.export(
            rib.attributes[selection.best.attributes], from: source, to: targetPeer, configuration: rib.configuration, policy: { $0 })
        {
            return (false, refusal.description)
        }
        let accepted: String
        switch resolve(target.config.exportPolicy, target) {
        case .accept: accepted = "export: \(policyName ?? "accept, the iBGP default")"
        case .reject:
            return (false, policyName == nil ? "no export policy, and RFC 8212 sends an eBGP neighbour nothing by default" : "export: reject")
        case .originated:
            guard sourceID == .local else { return (false, "export: originated, and this route was learned from \(sourceName(sourceID))") }
            accepted = "export: originated"
        case .policy(let policy):
            let context = PolicyContext(prefix: prefix, neighbor: source?.address, localAS: config.localAS)
            switch policy.evaluate(rib.attributes[selection.best.attributes], context: context) {
            case .accepted(_, _, let term): accepted = "accepted by " + Self.termName(term, policyName ?? "?")
            case .rejected(let term): return (false, "rejected by " + Self.termName(term, policyName ?? "?"))
            }
        }
        guard export(selection, prefix: prefix, family: family, to: target) != nil else {
            return (false, "no next hop of this family for this session (set next-hop-ipv4/ipv6)")
        }
        return (true, accepted)
    }
}
