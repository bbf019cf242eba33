// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Testing

@Suite struct FIBReconcilerTests {
    static let reconciler = FIBReconciler(protocolNumber: 186)

    static func route(_ prefix: String, via: [String], proto: UInt8 = 186, metric: UInt32 = 20) -> KernelRoute {
        KernelRoute(prefix: IPPrefix(prefix)!, nextHops: via.map { KernelNextHop(gateway: IPAddress($0)) }, protocolNumber: proto, metric: metric)
    }

    @Test func installsWhatIsMissingAndRemovesWhatIsStale() {
        let plan = Self.reconciler.plan(
            desired: [Self.route("10.1.0.0/16", via: ["10.0.1.1"]), Self.route("10.2.0.0/16", via: ["10.0.1.1", "10.0.2.1"])],
            observed: [Self.route("10.1.0.0/16", via: ["10.0.1.1"]), Self.route("10.9.0.0/16", via: ["10.0.1.1"])])
        #expect(plan.operations == [
            // A missing key is created (never replacing another owner's route); ours are replaced in place.
            .remove(Self.route("10.9.0.0/16", via: ["10.0.1.1"])), .create(Self.route("10.2.0.0/16", via: ["10.0.1.1", "10.0.2.1"])),
        ])
        #expect(plan.conflicts.isEmpty)
    }

    @Test func changedNextHopsAreReplaced() {
        let plan = Self.reconciler.plan(
            desired: [Self.route("10.1.0.0/16", via: ["10.0.2.1"])], observed: [Self.route("10.1.0.0/16", via: ["10.0.1.1"])])
        #expect(plan.operations == [.install(Self.route("10.1.0.0/16", via: ["10.0.2.1"]))])
    }

    @Test func foreignRoutesAreNeverTouched() {
        // A static route (protocol 4) for the same prefix and metric: a conflict, not a replacement.
        let statics = Self.route("10.1.0.0/16", via: ["192.0.2.9"], proto: 4)
        let kernel = Self.route("10.3.0.0/16", via: ["192.0.2.9"], proto: 2)
        let plan = Self.reconciler.plan(desired: [Self.route("10.1.0.0/16", via: ["10.0.1.1"])], observed: [statics, kernel])
        #expect(plan.operations.isEmpty)
        #expect(plan.conflicts == [Self.route("10.1.0.0/16", via: ["10.0.1.1"])])
        // With another metric it is a different route and can coexist.
        let other = Self.reconciler.plan(desired: [Self.route("10.1.0.0/16", via: ["10.0.1.1"], metric: 30)], observed: [statics])
        #expect(other.operations == [.create(Self.route("10.1.0.0/16", via: ["10.0.1.1"], metric: 30))])
    }

    @Test func nextHopOrderDoesNotMatter() {
        #expect(Self.route("10.1.0.0/16", via: ["10.0.2.1", "10.0.1.1"]) == Self.route("10.1.0.0/16", via: ["10.0.1.1", "10.0.2.1"]))
        let plan = Self.reconciler.plan(
            desired: [Self.route("10.1.0.0/16", via: ["10.0.2.1", "10.0.1.1"])], observed: [Self.route("10.1.0.0/16", via: ["10.0.1.1", "10.0.2.1"])])
        #expect(plan.operations.isEmpty)
    }

    @Test func emptyDesiredRemovesOnlyOurs() {
        let plan = Self.reconciler.plan(
            desired: [], observed: [Self.route("10.1.0.0/16", via: ["10.0.1.1"]), Self.route("10.2.0.0/16", via: ["10.0.1.1"], proto: 4)])
        #expect(plan.operations == [.remove(Self.route("10.1.0.0/16", via: ["10.0.1.1"]))])
    }
}

@Suite struct SatisfactionTests {
    @Test func resolvedInterfaceMatchesAnOpenOne() {
        let wanted = KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"))])
        let observed = KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"), interfaceIndex: 3)])
        #expect(wanted.isSatisfied(by: observed))
        #expect(FIBReconciler(protocolNumber: 186).plan(desired: [wanted], observed: [observed]).operations.isEmpty)
        // A pinned interface must match.
        let pinned = KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.1.1"), interfaceIndex: 4)])
        #expect(!pinned.isSatisfied(by: observed))
        // A different gateway does not.
        let other = KernelRoute(prefix: IPPrefix("10.1.0.0/16")!, nextHops: [KernelNextHop(gateway: IPAddress("10.0.2.1"), interfaceIndex: 3)])
        #expect(!wanted.isSatisfied(by: other))
    }
}
