// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import Testing

@Suite struct ExportRulesTests {
    static let config = RIBConfiguration(localAS: 4_200_001_011, routerID: RouterID("10.0.1.11")!, clusterID: RouterID("10.255.0.1")!)
    static let ebgp = RIBPeer(id: PeerID(1), address: IPAddress("10.0.1.1")!, asn: 65101, routerID: RouterID("10.0.1.1")!, isExternal: true)
    static let ebgp2 = RIBPeer(id: PeerID(2), address: IPAddress("10.0.2.1")!, asn: 65102, routerID: RouterID("10.0.2.1")!, isExternal: true)
    static let client = RIBPeer(id: PeerID(3), address: IPAddress("10.0.3.1")!, asn: 4_200_001_011, routerID: RouterID("10.0.3.1")!, isExternal: false, isRouteReflectorClient: true)
    static let nonClient = RIBPeer(id: PeerID(4), address: IPAddress("10.0.4.1")!, asn: 4_200_001_011, routerID: RouterID("10.0.4.1")!, isExternal: false)
    static let nonClient2 = RIBPeer(id: PeerID(5), address: IPAddress("10.0.5.1")!, asn: 4_200_001_011, routerID: RouterID("10.0.5.1")!, isExternal: false)
    static let accept: @Sendable (RouteAttributes) -> RouteAttributes? = { $0 }

    static let learned = RouteAttributes(
        attributes: PathAttributes(origin: .igp, asPath: ASPath(sequence: [65101, 65000]), multiExitDiscriminator: 7, localPreference: 150,
                                   communities: [Community(65001, 1)]),
        nextHop: IPAddress("10.0.1.1"))

    static func export(_ r: RouteAttributes = learned, from: RIBPeer?, to: RIBPeer) -> Result<RouteAttributes, ExportRefusal> {
        ExportRules.export(r, from: from, to: to, configuration: config, policy: accept)
    }

    @Test func ebgpPrependsSetsNextHopSelfAndDropsMEDAndLocalPref() throws {
        let out = try Self.export(from: Self.ebgp, to: Self.ebgp2).get()
        #expect(out.attributes.asPath == ASPath(sequence: [4_200_001_011, 65101, 65000]))
        #expect(out.nextHop == nil)
        #expect(out.attributes.multiExitDiscriminator == nil)
        #expect(out.attributes.localPreference == nil)
        #expect(out.attributes.communities == [Community(65001, 1)])
    }

    @Test func locallyOriginatedKeepsItsMEDAndGetsOurAS() throws {
        let local = RouteAttributes(attributes: PathAttributes(origin: .igp, asPath: .empty, multiExitDiscriminator: 20))
        let out = try Self.export(local, from: nil, to: Self.ebgp).get()
        #expect(out.attributes.asPath == ASPath(sequence: [4_200_001_011]))
        #expect(out.attributes.multiExitDiscriminator == 20)
    }

    @Test func neverBackToTheSource() {
        #expect(Self.export(from: Self.ebgp, to: Self.ebgp) == .failure(.sourcePeer))
    }

    @Test func wellKnownCommunities() {
        var r = Self.learned
        r.attributes.communities = [.noExport]
        #expect(Self.export(r, from: Self.ebgp, to: Self.ebgp2) == .failure(.noExport))
        #expect((try? Self.export(r, from: Self.ebgp, to: Self.nonClient).get()) != nil)
        r.attributes.communities = [.noAdvertise]
        #expect(Self.export(r, from: Self.ebgp, to: Self.nonClient) == .failure(.noAdvertise))
    }

    @Test func ibgpSplitHorizonAndRouteReflection() throws {
        let fromNonClient = Self.learned
        // Non-client to non-client: split horizon (RFC 4271 §9.2).
        #expect(Self.export(fromNonClient, from: Self.nonClient, to: Self.nonClient2) == .failure(.internalSplitHorizon))
        // Non-client to client: reflected with ORIGINATOR_ID and our cluster ID (RFC 4456 §8).
        let reflected = try Self.export(fromNonClient, from: Self.nonClient, to: Self.client).get()
        #expect(reflected.attributes.originatorID == RouterID("10.0.4.1"))
        #expect(reflected.attributes.clusterList == [RouterID("10.255.0.1")!])
        #expect(reflected.attributes.localPreference == 150)
        #expect(reflected.nextHop == IPAddress("10.0.1.1"))
        // Client to non-client: reflected too, keeping an existing ORIGINATOR_ID.
        var fromClient = Self.learned
        fromClient.attributes.originatorID = RouterID("10.9.9.9")
        fromClient.attributes.clusterList = [RouterID("10.255.0.7")!]
        let up = try Self.export(fromClient, from: Self.client, to: Self.nonClient).get()
        #expect(up.attributes.originatorID == RouterID("10.9.9.9"))
        #expect(up.attributes.clusterList == [RouterID("10.255.0.1")!, RouterID("10.255.0.7")!])
        // eBGP-learned to iBGP: not reflection, LOCAL_PREF defaulted.
        var plain = Self.learned
        plain.attributes.localPreference = nil
        let internalRoute = try Self.export(plain, from: Self.ebgp, to: Self.nonClient).get()
        #expect(internalRoute.attributes.localPreference == 100)
        #expect(internalRoute.attributes.originatorID == nil)
    }

    @Test func policyHasTheLastWord() {
        let reject = ExportRules.export(Self.learned, from: Self.ebgp, to: Self.ebgp2, configuration: Self.config, policy: { _ in nil })
        #expect(reject == .failure(.rejectedByPolicy))
    }
}
