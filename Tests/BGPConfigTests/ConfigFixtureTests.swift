// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import BGPModel
import Foundation
import Testing

/// Each `Fixtures/NN.in.yaml` is loaded and its result (the canonical summary, or every error as
/// `file:line:column: message`) compared with `NN.ok`. `BGP_UPDATE_GOLDENS=1 swift test` rewrites the `.ok` files.
@Suite struct ConfigFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".in.yaml") }.sorted()
    }

    static func render(_ name: String) throws -> String {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        do {
            return ConfigSummary(try ConfigLoader.load(text, file: name)).lines.joined(separator: "\n") + "\n"
        } catch {
            return error.description + "\n"
        }
    }

    @Test(arguments: inputs)
    func fixture(name: String) throws {
        let actual = try Self.render(name)
        let okURL = Self.directory.appendingPathComponent(name.replacingOccurrences(of: ".in.yaml", with: ".ok"))
        if ProcessInfo.processInfo.environment["BGP_UPDATE_GOLDENS"] == "1" {
            try actual.write(to: okURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: okURL, encoding: .utf8)
        #expect(actual == expected)
    }

    @Test func thereAreFixtures() { #expect(Self.inputs.count >= 7) }
}

/// A stable, human-readable rendering of a loaded configuration, for golden comparison.
struct ConfigSummary {
    var lines: [String] = []

    init(_ c: DaemonConfig) {
        lines.append("router-id \(c.routerID) local-as \(c.localAS)")
        lines.append("listen enabled=\(c.listen.enabled) addresses=\(c.listen.addresses.map(\.description)) port=\(c.listen.port)")
        for n in c.neighbors {
            lines.append(
                "neighbor \(n.address) as \(n.peerAS) port \(n.port) passive=\(n.passive) md5=\(n.password != nil) "
                    + "source=\(n.sourceAddress?.description ?? "-") hold=\(n.holdTime) keepalive=\(n.keepaliveTime.map(String.init) ?? "-") "
                    + "connect-retry=\(n.connectRetryTime) delay-open=\(n.delayOpenTime?.description ?? "-") "
                    + "tcp-user-timeout=\(n.tcpUserTimeout?.description ?? "-") families=\(n.families.map(\.description)) "
                    + "description=\(n.description ?? "-") import=\(n.importPolicy?.description ?? "default") "
                    + "export=\(n.exportPolicy?.description ?? "default") rr-client=\(n.routeReflectorClient) allowas-in=\(n.allowOwnAS) "
                    + "next-hop-ipv4=\(n.nextHopIPv4?.description ?? "-") next-hop-ipv6=\(n.nextHopIPv6?.description ?? "-") "
                    + "max-prefix=\(n.maxPrefix.map { "\($0.limit)/\($0.warningPercent)%/\($0.restartAfter?.description ?? "never")" } ?? "-")")
        }
        for n in c.networks {
            lines.append(
                "network \(n.prefix) communities=\(n.communities.map(\.description)) large=\(n.largeCommunities.map(\.description)) "
                    + "med=\(n.med.map(String.init) ?? "-") local-preference=\(n.localPreference.map(String.init) ?? "-")")
        }
        for name in c.policies.keys.sorted() {
            let policy = c.policies[name]!
            lines.append("policy \(name) default=\(policy.defaultVerdict.rawValue)")
            for term in policy.terms {
                let m = term.match
                let a = term.actions
                lines.append(
                    "  term \(term.name) -> \(term.verdict.rawValue): prefixes=\(m.prefixes.map(\.description)) communities=\(m.communities.map(\.description)) "
                        + "ext=\(m.extendedCommunities.map(\.description)) large=\(m.largeCommunities.map(\.description)) as-path=\(m.asPathPattern ?? "-") "
                        + "as-path-contains=\(m.asPathContains.map(\.description)) neighbors=\(m.neighbors.map(\.description)) "
                        + "next-hops=\(m.nextHops.map(\.description)) families=\(m.families.map(\.description)) originated=\(m.locallyOriginated.map(String.init) ?? "-") "
                        + "| local-pref=\(a.localPreference.map(String.init) ?? "-") med=\(a.med.map(String.init) ?? "-") next-hop=\(a.nextHop.map { "\($0)" } ?? "-") "
                        + "communities=\(a.communities.map { "+\($0.add) -\($0.remove) =\($0.replace.map(\.description) ?? "-")" } ?? "-") "
                        + "large=\(a.largeCommunities.map { "+\($0.add) -\($0.remove)" } ?? "-") prepend=\(a.asPathPrepend.map { "\($0.asn?.description ?? "self")x\($0.count)" } ?? "-")")
            }
        }
        lines.append("maximum-paths \(c.maximumPaths) multipath-relax \(c.multipathRelax) cluster-id \(c.clusterID?.description ?? "-")")
        lines.append(
            "fib enabled=\(c.fib.enabled) table=\(c.fib.table) protocol=\(c.fib.protocolNumber) metric=\(c.fib.metric) "
                + "keep-routes-on-exit=\(c.fib.keepRoutesOnExit) stale-after=\(c.fib.staleAfter)")
        let w = c.workloads
        if w.isEnabled || !w.blocks.isEmpty {
            lines.append(
                "workloads interfaces=\(w.interfaces) protocols=\(w.protocols) table=\(w.table) blocks=\(w.blocks.map(\.description)) unreachable-blocks=\(w.unreachableBlocks) "
                    + "ipvlan=\(w.ipvlan.map { "\($0.interface):\($0.subnets.map(\.description))" }) communities=\(w.communities.map(\.description)) "
                    + "large=\(w.largeCommunities.map(\.description)) med=\(w.med.map(String.init) ?? "-")")
        }
        lines.append("log level=\(c.log.level) format=\(c.log.format)")
    }
}
