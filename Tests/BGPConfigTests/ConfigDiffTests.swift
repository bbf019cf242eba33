// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPConfig
import Foundation
import BGPModel
import Testing

/// What a reload changes: resets only where session settings change, policies in place, restart-only settings.
@Suite struct ConfigDiffTests {
    static let base = """
        router-id: 10.0.0.1
        local-as: 65001
        prefix-sets:
          docs: [192.0.2.0/24 le 32]
        policies:
          from-tor:
            - match: {prefix-set: docs}
              action: reject
            - action: accept
        networks:
          - prefix: 10.1.0.0/24
        neighbors:
          - address: 10.0.1.1
            peer-as: 65101
            import: from-tor
            export: originated
          - address: 10.0.2.1
            peer-as: 65102
            import: accept
            export: originated
        """

    static func load(_ text: String) throws -> DaemonConfig { try ConfigLoader.load(text, file: "t.yaml") }
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func nothingChangedIsEmpty() throws {
        #expect(ConfigDiff(from: try Self.load(Self.base), to: try Self.load(Self.base)).isEmpty)
    }

    @Test func aPolicyChangeReimportsItsUsersOnlyAndResetsNothing() throws {
        let new = try Self.load(Self.base.replacingOccurrences(of: "192.0.2.0/24 le 32", with: "192.0.2.0/24 le 32, 203.0.113.0/24"))
        let diff = ConfigDiff(from: try Self.load(Self.base), to: new)
        #expect(diff.policies == ["from-tor"] && diff.reimport == [Self.ip("10.0.1.1")] && diff.reexport.isEmpty)
        #expect(diff.reset.isEmpty && diff.updated.isEmpty && diff.restartRequired.isEmpty)
    }

    @Test func policyReferencesAndDescriptionsChangeInPlace() throws {
        let new = try Self.load(Self.base.replacingOccurrences(of: "    import: accept\n    export: originated", with: "    import: from-tor\n    export: accept\n    description: tor-b"))
        let diff = ConfigDiff(from: try Self.load(Self.base), to: new)
        #expect(diff.reset.isEmpty)
        #expect(diff.updated[Self.ip("10.0.2.1")] == ["description", "import accept → from-tor", "export originated → accept"])
        #expect(diff.reimport == [Self.ip("10.0.2.1")] && diff.reexport == [Self.ip("10.0.2.1")])
    }

    @Test func sessionSettingsResetNeighboursComeAndGo() throws {
        let new = try Self.load(
            Self.base.replacingOccurrences(of: "peer-as: 65102", with: "peer-as: 65102\n    hold-time: 30")
                .replacingOccurrences(of: "  - address: 10.0.1.1\n    peer-as: 65101\n    import: from-tor\n    export: originated\n", with: "")
                + "\n  - address: 10.0.3.1\n    peer-as: 65103\n")
        let diff = ConfigDiff(from: try Self.load(Self.base), to: new)
        #expect(diff.reset == [Self.ip("10.0.2.1"): ["hold-time"]])
        #expect(diff.removed == [Self.ip("10.0.1.1")] && diff.added == [Self.ip("10.0.3.1")])
    }

    @Test func networksAndRestartOnlySettings() throws {
        let new = try Self.load(
            Self.base.replacingOccurrences(of: "router-id: 10.0.0.1", with: "router-id: 10.0.0.9")
                .replacingOccurrences(of: "  - prefix: 10.1.0.0/24", with: "  - prefix: 10.2.0.0/24"))
        let diff = ConfigDiff(from: try Self.load(Self.base), to: new)
        #expect(diff.restartRequired == ["router-id"])
        #expect(diff.networksAdded == [IPPrefix("10.2.0.0/24")!] && diff.networksRemoved == [IPPrefix("10.1.0.0/24")!])
        let keyed = try Self.load(Self.base.replacingOccurrences(of: "peer-as: 65101", with: "peer-as: 65101\n    password: s3cret"))
        #expect(ConfigDiff(from: try Self.load(Self.base), to: keyed).restartRequired == ["password of neighbor 10.0.1.1"])
    }
}

/// `${NAME}` from the environment, `$$` for a dollar, unset names reported where they are.
@Suite struct EnvironmentSubstitutionTests {
    @Test func substitutesAndReportsUnsetVariables() throws {
        let text = "password: ${TOR_A}\nprice: $$5 and $x\n"
        #expect(try EnvironmentSubstitution.apply(text, environment: ["TOR_A": "s3cret"], file: "f") == "password: s3cret\nprice: $5 and $x\n")
        do {
            _ = try EnvironmentSubstitution.apply("a: 1\nb: ${MISSING}\n", environment: [:], file: "f.yaml")
            Issue.record("an unset variable should fail")
        } catch {
            #expect(error.description == "f.yaml:2:4: environment variable MISSING is not set (hint: set it, or write $$ for a literal $)")
        }
    }
}

/// Inputs kept by the config fuzzer (testbed/fuzz/run.sh FuzzConfig): each loads or fails with positioned
/// diagnostics, never traps.
@Suite struct ConfigFuzzRegressionTests {
    @Test func replay() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("FuzzConfig-") }
        #expect(!files.isEmpty)
        for file in files {
            let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(file)), as: UTF8.self)
            do {
                let substituted = try EnvironmentSubstitution.apply(text, environment: ["TOR": "10.0.0.1"], file: file)
                _ = try ConfigLoader.load(substituted, file: file)
            } catch {
                #expect(!error.diagnostics.isEmpty && error.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "\(file)")
            }
        }
    }
}
