// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

@testable import BGPDaemon
import BGPConfig
import BGPModel
import FIBSync
import Foundation
import Logging
import Synchronization
import Testing

/// FIBService's bookkeeping over a fake table (the real kernel is exercised by NetlinkMNLTests and the testbed).
@Suite struct FIBServiceTests {
    /// Records operations; refuses the prefixes in `refuse`; reports an overrun once when `overrunOnce` is set.
    final class FakeTable: RouteTable, Sendable {
        struct State {
            var applied: [FIBOperation] = []
            var dumps = 0
            var overrunOnce = false
            var refuse: Set<IPPrefix> = []
            var table: [IPPrefix: KernelRoute] = [:]
            /// Routes of another owner: a create for their key fails with EEXIST.
            var foreign: Set<IPPrefix> = []
        }
        let state = Mutex(State())

        func apply(_ operations: [FIBOperation]) throws(FIBError) -> [FIBResult] {
            let overrun = state.withLock { s -> Bool in
                s.applied += operations
                if s.overrunOnce {
                    s.overrunOnce = false
                    return true
                }
                return false
            }
            if overrun { throw .overrun }
            return state.withLock { s in
                operations.map { operation in
                    if s.refuse.contains(operation.route.prefix) { return .failed(errno: 101) }
                    switch operation {
                    case .install(let r): s.table[r.prefix] = r
                    case .create(let r):
                        if s.foreign.contains(r.prefix) { return .failed(errno: 17) }  // EEXIST
                        s.table[r.prefix] = r
                    case .remove(let r): s.table[r.prefix] = nil
                    case .removeThrough(_, let routes): for p in routes.prefixes { s.table[p] = nil }
                    }
                    return .done
                }
            }
        }

        func dump(table: UInt32, ipv6: Bool) throws(FIBError) -> [KernelRoute] {
            state.withLock { s in
                s.dumps += 1
                return s.table.values.filter { ($0.prefix.afi == .ipv6) == ipv6 }
            }
        }
    }

    static let p1 = IPPrefix("198.51.100.0/24")!
    static let p2 = IPPrefix("203.0.113.0/24")!
    static let block = IPPrefix("10.65.0.0/26")!
    static let a = IPAddress("10.0.1.1")!
    static let b = IPAddress("10.0.2.1")!

    /// Waits for the service's queued work: `want` enqueues work that enqueues the flush.
    static func settle(_ fib: FIBService) -> (wanted: [KernelRoute], failures: [IPPrefix: Int32], counters: FIBService.Counters) {
        fib.inspect(settled: true)
    }

    @Test func installsEcmpSetsAndRemovesOnEmptyNextHops() {
        let table = FakeTable()
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"))
        fib.want([(Self.p1, [Self.b, Self.a]), (Self.p2, [Self.a])])
        let state = Self.settle(fib)
        #expect(state.wanted.count == 2)
        let installed = table.state.withLock { $0.table }
        #expect(installed[Self.p1]?.nextHops.map(\.gateway) == [Self.a, Self.b])
        #expect(installed[Self.p1]?.protocolNumber == 186)
        fib.want([(Self.p1, [])])
        #expect(Self.settle(fib).wanted.map(\.prefix) == [Self.p2])
        #expect(table.state.withLock { $0.table[Self.p1] } == nil)
    }

    @Test func refusalsAreRecordedAndClearedByALaterSuccess() {
        let table = FakeTable()
        table.state.withLock { $0.refuse = [Self.p1] }
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"))
        fib.want([(Self.p1, [Self.a])])
        var state = Self.settle(fib)
        #expect(state.failures == [Self.p1: 101])
        #expect(state.counters.failed == 1)
        table.state.withLock { $0.refuse = [] }
        fib.want([(Self.p1, [Self.b])])
        state = Self.settle(fib)
        #expect(state.failures.isEmpty)
    }

    @Test func anOverrunIsRepairedByDumpAndReconcile() {
        let table = FakeTable()
        table.state.withLock { $0.overrunOnce = true }
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"))
        fib.want([(Self.p1, [Self.a]), (Self.p2, [Self.b])])
        let state = Self.settle(fib)
        #expect(state.counters.overruns == 1)
        #expect(state.counters.reconciles == 1)
        #expect(table.state.withLock { ($0.dumps, Set($0.table.keys)) } == (2, [Self.p1, Self.p2]))
    }

    @Test func aWholeSetWithdrawnIsOneOperationOnlyWhenNothingElseUsesIt() {
        let table = FakeTable()
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"))
        let many = (0..<3_000).map { i in IPPrefix.v4(IPv4Prefix(address: IPv4Address(rawValue: 0x6440_0000 + UInt32(i)), length: 32)) }
        fib.want(many.map { ($0, [Self.a]) } + [(Self.p1, [Self.b])])
        _ = Self.settle(fib)
        table.state.withLock { $0.applied = [] }
        // 2,999 of the 3,000 through a: still in use, so route by route.
        fib.want(many.dropLast().map { ($0, []) })
        _ = Self.settle(fib)
        var applied = table.state.withLock { $0.applied }
        #expect(applied.count == 2_999 && applied.allSatisfy { if case .remove = $0 { true } else { false } })
        // Back again, then all of them withdrawn in one batch: one operation for the set; p1 through b untouched.
        fib.want(many.dropLast().map { ($0, [Self.a]) })
        _ = Self.settle(fib)
        table.state.withLock { $0.applied = [] }
        fib.want(many.map { ($0, []) })
        let state = Self.settle(fib)
        applied = table.state.withLock { $0.applied }
        #expect(applied.count == 1)
        if case .removeThrough(let hops, let routes)? = applied.first {
            #expect(hops.map(\.gateway) == [Self.a] && routes.prefixes.count == 3_000)
        } else {
            Issue.record("expected removeThrough, got \(applied.first.map(\.description) ?? "nothing")")
        }
        #expect(state.wanted.map(\.prefix) == [Self.p1])
        #expect(table.state.withLock { $0.table.keys.sorted() } == [Self.p1])
        // A batch that also installs is never collapsed (its order matters).
        fib.want(many.map { ($0, [Self.a]) })
        _ = Self.settle(fib)
        table.state.withLock { $0.applied = [] }
        fib.want(many.map { ($0, []) } + [(Self.p2, [Self.b])])
        _ = Self.settle(fib)
        #expect(table.state.withLock { $0.applied.count } == 3_001)
    }

    @Test func aNewKeyIsCreatedAndAnotherOwnersRouteIsAConflictNotReplaced() {
        let table = FakeTable()
        table.state.withLock { $0.foreign = [Self.p2] }
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"))
        fib.want([(Self.p1, [Self.a]), (Self.p2, [Self.a])])
        var state = Self.settle(fib)
        let applied = table.state.withLock { $0.applied }
        #expect(applied.allSatisfy { if case .create = $0 { true } else { false } })
        #expect(state.counters.conflicts == 1 && state.failures.isEmpty)
        #expect(fib.view().routes.map(\.state) == [.installed, .conflict])
        // A change of a key we hold replaces it; the conflicting key is not touched again.
        table.state.withLock { $0.applied = [] }
        fib.want([(Self.p1, [Self.b]), (Self.p2, [Self.b])])
        state = Self.settle(fib)
        #expect(table.state.withLock { $0.applied } == [.install(KernelRoute(prefix: Self.p1, nextHops: [KernelNextHop(gateway: Self.b)]))])
    }

    @Test func aConflictIsRetriedAndInstalledOnceTheOtherRouteIsGone() throws {
        let table = FakeTable()
        table.state.withLock { $0.foreign = [Self.p2] }
        let fib = FIBService(table: table, config: FIBConfig(), logger: Logger(label: "t"), conflictRetry: .milliseconds(20))
        fib.want([(Self.p2, [Self.a])])
        #expect(Self.settle(fib).counters.conflicts == 1)
        // Still held: tried again, still a conflict, nothing replaced.
        Thread.sleep(forTimeInterval: 0.1)
        #expect(fib.view().routes.map(\.state) == [.conflict] && table.state.withLock { $0.table[Self.p2] } == nil)
        // The other owner's route goes: ours goes in at the next try.
        table.state.withLock { $0.foreign = [] }
        let deadline = Date().addingTimeInterval(5)
        while fib.view().routes.map(\.state) != [.installed], Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(fib.view().routes.map(\.state) == [.installed])
        #expect(table.state.withLock { $0.table[Self.p2]?.nextHops.map(\.gateway) } == [Self.a])
    }

    @Test func anOwnedBlockFallsBackToUnreachableNeverToNothing() {
        let table = FakeTable()
        let fib = FIBService(table: table, config: FIBConfig(), unreachable: [Self.block], logger: Logger(label: "t"))
        _ = Self.settle(fib)
        #expect(table.state.withLock { $0.table[Self.block]?.type } == .unreachable)
        // The routing engine says "not in the kernel" for the locally originated block: it stays unreachable.
        fib.want([(Self.block, [])])
        _ = Self.settle(fib)
        #expect(table.state.withLock { $0.table[Self.block]?.type } == .unreachable)
        fib.stop()
        #expect(table.state.withLock { $0.table.isEmpty })
    }
}

/// A subsystem's logger takes its own level from `log.subsystems`, the others keep the general one.
@Suite struct SubsystemLoggerTests {
    @Test func levelsPerSubsystem() {
        var config = DaemonConfig(routerID: RouterID("10.0.0.1")!, localAS: 65001)
        config.log.subsystems = ["fib": "debug"]
        var root = Logger(label: "t")
        root.logLevel = .notice
        #expect(BGPSpeaker.logger(root, "fib", config).logLevel == .debug)
        #expect(BGPSpeaker.logger(root, "session", config).logLevel == .notice)
    }
}
