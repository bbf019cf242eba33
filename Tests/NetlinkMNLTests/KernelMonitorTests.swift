// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import FIBSync
import Foundation
import NetlinkMNL
import Synchronization
import Testing

/// The kernel monitor against the real kernel, in a throwaway namespace (root only): address and route events
/// reach a workload tracker, and notifications the kernel drops (a tiny buffer, a burst) are recovered by a new
/// snapshot that leaves the tracker exactly right.
@Suite(.serialized, .enabled(if: kernelTestsCanRun, "needs root and iproute2"))
struct KernelMonitorTests {
    typealias Namespace = KernelRouteTableTests.Namespace

    /// A monitor feeding a tracker; records whether a resync happened.
    final class Watch: Sendable {
        let tracker: Mutex<WorkloadTracker>
        let resyncs = Atomic<Int>(0)
        let monitor: MNLKernelMonitor

        init(namespace: String, rules: WorkloadTracker.Rules, receiveBuffer: Int32 = 4 << 20) throws {
            tracker = Mutex(WorkloadTracker(rules: rules))
            monitor = try MNLKernelMonitor(namespace: namespace, receiveBuffer: receiveBuffer)
            monitor.start { [self] delivery in
                switch delivery {
                case .snapshot(let events, let resync):
                    if resync { resyncs.add(1, ordering: .relaxed) }
                    _ = tracker.withLock { $0.replace(with: events) }
                case .events(let events):
                    _ = tracker.withLock { $0.handle(events) }
                }
            } failed: { error in
                Issue.record("monitor failed: \(error)")
            }
        }

        var originated: Set<IPPrefix> { tracker.withLock { $0.originated } }

        /// Waits up to `seconds` for `condition` (the monitor works on its own thread).
        func wait(_ seconds: Double = 5, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return condition()
        }
    }

    @Test func addressesAreSeenAddedAndRemoved() throws {
        let ns = try Namespace()
        try Namespace.ip("-n", ns.name, "link", "add", "svc0", "type", "veth", "peer", "name", "svc1")
        try Namespace.ip("-n", ns.name, "link", "set", "svc0", "up")
        try Namespace.ip("-n", ns.name, "addr", "add", "10.96.0.10/32", "dev", "svc0")
        let watch = try Watch(namespace: ns.name, rules: .init(addressInterfaces: [InterfacePattern("svc*")!]))
        defer { watch.monitor.stop() }
        // In the snapshot.
        #expect(watch.wait { watch.originated == [IPPrefix("10.96.0.10/32")!] })
        // Notified.
        try Namespace.ip("-n", ns.name, "addr", "add", "fd96::11/128", "dev", "svc0", "nodad")
        #expect(watch.wait { watch.originated.contains(IPPrefix("fd96::11/128")!) })
        try Namespace.ip("-n", ns.name, "addr", "del", "10.96.0.10/32", "dev", "svc0")
        #expect(watch.wait { watch.originated == [IPPrefix("fd96::11/128")!] })
        try Namespace.ip("-n", ns.name, "link", "del", "svc0")
        #expect(watch.wait { watch.originated.isEmpty })
    }

    @Test func droppedNotificationsAreRecoveredByASnapshot() throws {
        let ns = try Namespace()
        try Namespace.ip("-n", ns.name, "link", "add", "cali0", "type", "veth", "peer", "name", "cali1")
        try Namespace.ip("-n", ns.name, "link", "set", "cali0", "up")
        let index = UInt32(try Namespace.ip("-n", ns.name, "-o", "link", "show", "cali0").split(separator: ":")[0])!
        // A 4 KiB buffer cannot hold the notifications of a burst of 5,000 routes: the kernel drops some (ENOBUFS).
        let watch = try Watch(namespace: ns.name, rules: .init(interfaces: [InterfacePattern("cali*")!]), receiveBuffer: 4096)
        defer { watch.monitor.stop() }
        #expect(watch.wait { watch.resyncs.load(ordering: .relaxed) == 0 })
        let routes = (0..<5_000).map { i in
            KernelRoute(
                prefix: .v4(IPv4Prefix(address: IPv4Address(rawValue: 0x0A40_0000 + UInt32(i)), length: 32)),
                nextHops: [KernelNextHop(gateway: nil, interfaceIndex: index)], protocolNumber: 3)
        }
        let table = try MNLRouteTable(namespace: ns.name)
        #expect(try table.apply(routes.map { .install($0) }).allSatisfy { $0 == .done })
        #expect(watch.wait(10) { watch.resyncs.load(ordering: .relaxed) > 0 }, "the burst should overflow the buffer")
        #expect(watch.wait(10) { watch.originated == Set(routes.map(\.prefix)) }, "\(watch.originated.count) of 5000, \(watch.resyncs.load(ordering: .relaxed)) resyncs")
        // And back to nothing, whatever is dropped on the way.
        #expect(try table.apply(routes.map { .remove($0) }).allSatisfy { $0 == .done })
        #expect(watch.wait(10) { watch.originated.isEmpty })
    }
}
