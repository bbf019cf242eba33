// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import BGPRIB
import Testing

/// From configuration text to the decision process: an import policy written in YAML changes which path wins.
@Suite struct ConfigPolicyDecisionTests {
    static let yaml = """
        router-id: 10.0.1.12
        local-as: 4200001012
        prefix-sets:
          fabric: [10.0.0.0/8 le 32]
        policies:
          prefer-tor-b:
            - name: reject-default
              match: {prefix: 0.0.0.0/0}
              action: reject
            - name: tor-b-wins
              match: {prefix-set: fabric, as-path: "^65102_"}
              set: {local-preference: 300}
              action: accept
            - name: rest-of-fabric
              match: {prefix-set: fabric}
              action: accept
        neighbors:
          - {address: 10.0.1.1, peer-as: 65101, import: prefer-tor-b}
          - {address: 10.0.2.1, peer-as: 65102, import: prefer-tor-b}
        """

    static func importClosure(_ policy: CompiledPolicy, neighbor: String) -> (IPPrefix, RouteAttributes) -> ImportResult {
        { prefix, attributes in
            switch policy.evaluate(attributes, context: PolicyContext(prefix: prefix, neighbor: IPAddress(neighbor), localAS: 4_200_001_012)) {
            case .accepted(let changed, let modified, _): modified ? .modify(changed) : .accept
            case .rejected: .reject
            }
        }
    }

    @Test func policyFromConfigDecidesTheBestPath() throws {
        let config = try ConfigLoader.load(Self.yaml, file: "test.yaml")
        let policy = try CompiledPolicy(try #require(config.policies["prefer-tor-b"]))
        var rib = RIB(configuration: RIBConfiguration(localAS: config.localAS, routerID: config.routerID))
        rib.setPeer(RIBTests.torA)
        rib.setPeer(RIBTests.torB)
        // ToR A has the shorter path; ToR B's gets LOCAL_PREF 300 from the policy and must win.
        _ = rib.update(from: PeerID(1), announced: [RIBTests.route("10.9.0.0/24")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
                       policy: Self.importClosure(policy, neighbor: "10.0.1.1"))
        _ = rib.update(from: PeerID(2), announced: [RIBTests.route("10.9.0.0/24")], attributes: RIBTests.attrs([65102, 65000], nextHop: "10.0.2.1"),
                       policy: Self.importClosure(policy, neighbor: "10.0.2.1"))
        let selection = try #require(rib.selection(for: IPPrefix("10.9.0.0/24")!))
        #expect(selection.best.peer == PeerID(2))
        #expect(selection.decidedBy == .localPreference)
        #expect(rib.attributes[selection.best.attributes].attributes.localPreference == 300)
        // The default route is rejected and stays visible as such.
        _ = rib.update(from: PeerID(1), announced: [RIBTests.route("0.0.0.0/0")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
                       policy: Self.importClosure(policy, neighbor: "10.0.1.1"))
        #expect(rib.selection(for: IPPrefix("0.0.0.0/0")!) == nil)
        #expect(rib.paths(for: IPPrefix("0.0.0.0/0")!).first?.ineligibility == .rejectedByPolicy)
        // Outside the fabric: the policy's default (reject).
        _ = rib.update(from: PeerID(1), announced: [RIBTests.route("192.0.2.0/24")], attributes: RIBTests.attrs([65101], nextHop: "10.0.1.1"),
                       policy: Self.importClosure(policy, neighbor: "10.0.1.1"))
        #expect(rib.selection(for: IPPrefix("192.0.2.0/24")!) == nil)
    }
}
