// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// Why a route is not sent to a neighbour.
public enum ExportRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// It came from that neighbour.
    case sourcePeer
    /// Learned over iBGP and the neighbour is iBGP too, without route reflection allowing it (RFC 4271 §9.2,
    /// RFC 4456 §6).
    case internalSplitHorizon
    /// NO_ADVERTISE (RFC 1997).
    case noAdvertise
    /// NO_EXPORT or NO_EXPORT_SUBCONFED towards an eBGP neighbour (RFC 1997).
    case noExport
    /// The export policy rejected it (for eBGP without a policy: RFC 8212).
    case rejectedByPolicy

    public var description: String {
        switch self {
        case .sourcePeer: "learned from this neighbor"
        case .internalSplitHorizon: "iBGP split horizon"
        case .noAdvertise: "NO_ADVERTISE community"
        case .noExport: "NO_EXPORT community"
        case .rejectedByPolicy: "rejected by export policy"
        }
    }
}

/// The attributes a route carries towards one neighbour (RFC 4271 §5.1, §9.2; RFC 4456 §8).
public enum ExportRules {
    /// The route as it goes to `target`, or why it does not. `source` is `nil` for locally originated routes.
    /// A `nextHop` of `nil` in the result means "this speaker" (next-hop-self): the session fills in its own
    /// local address.
    public static func export(
        _ route: RouteAttributes, from source: RIBPeer?, to target: RIBPeer, configuration: RIBConfiguration,
        policy: (RouteAttributes) -> RouteAttributes?
    ) -> Result<RouteAttributes, ExportRefusal> {
        if let source, source.id == target.id { return .failure(.sourcePeer) }
        let communities = route.attributes.communities
        if communities.contains(.noAdvertise) { return .failure(.noAdvertise) }
        if target.isExternal, communities.contains(.noExport) || communities.contains(.noExportSubconfed) {
            return .failure(.noExport)
        }
        var reflecting = false
        if let source, !source.isExternal, !target.isExternal {
            // RFC 4456 §6: from a client to everyone; from a non-client to clients only; otherwise nothing.
            guard source.isRouteReflectorClient || target.isRouteReflectorClient else { return .failure(.internalSplitHorizon) }
            reflecting = true
        }
        var out = route
        if target.isExternal {
            // §5.1.2: prepend our AS; §5.1.3: we are the next hop; §5.1.4: a received MED does not leave the AS;
            // §5.1.5: no LOCAL_PREF to eBGP; RFC 4456 §8: reflection attributes stay inside the AS.
            out.attributes.asPath = (route.attributes.asPath ?? .empty).prepending(configuration.localAS)
            out.nextHop = nil
            out.linkLocalNextHop = nil
            if source != nil { out.attributes.multiExitDiscriminator = nil }
            out.attributes.localPreference = nil
            out.attributes.originatorID = nil
            out.attributes.clusterList = []
        } else {
            // §5.1.5: LOCAL_PREF on every iBGP route.
            out.attributes.localPreference = route.attributes.localPreference ?? configuration.decision.defaultLocalPreference
            if out.attributes.asPath == nil { out.attributes.asPath = .empty }
            if reflecting, let source {
                // RFC 4456 §8: ORIGINATOR_ID is set once; our cluster ID is prepended to CLUSTER_LIST.
                out.attributes.originatorID = route.attributes.originatorID ?? source.routerID
                out.attributes.clusterList = [configuration.clusterID] + route.attributes.clusterList
            }
        }
        if out.attributes.origin == nil { out.attributes.origin = .igp }
        guard let accepted = policy(out) else { return .failure(.rejectedByPolicy) }
        return .success(accepted)
    }
}
