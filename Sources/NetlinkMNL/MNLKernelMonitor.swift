// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import CMNL
import Dispatch
public import FIBSync
import Glibc
import Synchronization

/// Watches the kernel's links and routes for workload discovery: netlink notifications (events, not polling),
/// after an initial snapshot.
///
/// The notification socket subscribes (RTMGRP_LINK, RTMGRP_IPV4_ROUTE, RTMGRP_IPV6_ROUTE) before the snapshot is
/// dumped on a second socket, so nothing that happens in between is missed: notifications queued during the dump
/// are delivered after it, and applying an add or a delete twice is harmless. When the kernel drops
/// notifications (ENOBUFS) the monitor takes a new snapshot and says so (`resync`), so the consumer rebuilds its
/// state instead of drifting.
public final class MNLKernelMonitor: @unchecked Sendable {
    // @unchecked: the sockets are used only by the monitor's thread, after init; `stopped` is atomic.
    /// What the consumer is told, on the monitor's thread.
    public enum Delivery: Sendable {
        /// The initial snapshot, or a new one after lost notifications: the whole state, as events.
        case snapshot([WorkloadTracker.Event], resync: Bool)
        /// Notifications, in kernel order.
        case events([WorkloadTracker.Event])
    }

    private let events: OpaquePointer
    private let dumps: OpaquePointer
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    /// Opens both sockets in the current network namespace and subscribes. Throws when netlink is unavailable.
    public init() throws(FIBError) {
        guard let events = mnl_socket_open(NETLINK_ROUTE) else { throw .socket(errno: errno) }
        guard let dumps = mnl_socket_open(NETLINK_ROUTE) else {
            mnl_socket_close(events)
            throw .socket(errno: errno)
        }
        let groups = Netlink.groupLink | Netlink.groupIPv4Route | Netlink.groupIPv6Route
        guard mnl_socket_bind(events, groups, pid_t(MNL_SOCKET_AUTOPID)) >= 0, mnl_socket_bind(dumps, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            let e = errno
            mnl_socket_close(events)
            mnl_socket_close(dumps)
            throw .socket(errno: e)
        }
        let fd = mnl_socket_get_fd(events)
        NetlinkSocket.setBuffer(fd, force: SO_RCVBUFFORCE, plain: SO_RCVBUF, size: 4 << 20)
        // The loop wakes at least every 200 ms to notice `stop()`.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var dumpTimeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(mnl_socket_get_fd(dumps), SOL_SOCKET, SO_RCVTIMEO, &dumpTimeout, socklen_t(MemoryLayout<timeval>.size))
        self.events = events
        self.dumps = dumps
    }

    deinit {
        mnl_socket_close(events)
        mnl_socket_close(dumps)
    }

    /// Starts the monitor's thread: a snapshot, then notifications until `stop()`. `deliver` runs on that thread;
    /// `failed` is called once if netlink fails for good.
    public func start(deliver: @escaping @Sendable (Delivery) -> Void, failed: @escaping @Sendable (FIBError) -> Void) {
        DispatchQueue(label: "peerlet.kernel-monitor").async { [self] in
            defer { done.signal() }
            do throws(FIBError) {
                deliver(.snapshot(try snapshot(), resync: false))
                var buffer = [UInt8](repeating: 0, count: 256 * 1024)
                while !stopped.load(ordering: .relaxed) {
                    let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(events, $0.baseAddress, $0.count) }
                    if received < 0 {
                        switch errno {
                        case EINTR, EAGAIN: continue
                        case ENOBUFS: deliver(.snapshot(try snapshot(), resync: true))
                        default: throw .socket(errno: errno)
                        }
                        continue
                    }
                    let batch = buffer.withUnsafeBytes { Self.parse(UnsafeRawBufferPointer(rebasing: $0[0..<received])) }
                    if !batch.isEmpty { deliver(.events(batch)) }
                }
            } catch {
                if !stopped.load(ordering: .relaxed) { failed(error) }
            }
        }
    }

    /// Stops the thread and waits for it.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        done.wait()
    }

    /// Every link, then every IPv4 and IPv6 route, as events; a dump interrupted by a burst is retried.
    private func snapshot() throws(FIBError) -> [WorkloadTracker.Event] {
        var attempt = 0
        while true {
            do throws(FIBError) {
                return try dumpAll()
            } catch .overrun where attempt < 3 {
                attempt += 1
            }
        }
    }

    private func dumpAll() throws(FIBError) -> [WorkloadTracker.Event] {
        var out: [WorkloadTracker.Event] = []
        var request: [UInt8] = []
        RouteMessageBuilder.linkDumpRequest(sequence: 1, into: &request)
        try dump(request, into: &out)
        for (sequence, ipv6) in [(UInt32(2), false), (3, true)] {
            request.removeAll()
            RouteMessageBuilder.dumpRequest(ipv6: ipv6, sequence: sequence, into: &request)
            try dump(request, into: &out)
        }
        return out
    }

    private func dump(_ request: [UInt8], into out: inout [WorkloadTracker.Event]) throws(FIBError) {
        let sent = request.withUnsafeBytes { mnl_socket_sendto(dumps, $0.baseAddress, $0.count) }
        if sent < 0 { throw .socket(errno: errno) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(dumps, $0.baseAddress, $0.count) }
            if received < 0 {
                if errno == EINTR { continue }
                throw errno == ENOBUFS || errno == EAGAIN ? .overrun : .socket(errno: errno)
            }
            var finished = false
            let batch = buffer.withUnsafeBytes { raw in
                Self.parse(UnsafeRawBufferPointer(rebasing: raw[0..<received])) { type in
                    if type == Netlink.done || type == Netlink.error { finished = true }
                }
            }
            out += batch
            if finished { return }
        }
    }

    /// The events in a buffer of netlink messages; `control` sees every message type.
    static func parse(_ raw: UnsafeRawBufferPointer, control: (UInt16) -> Void = { _ in }) -> [WorkloadTracker.Event] {
        var out: [WorkloadTracker.Event] = []
        var offset = 0
        while offset + Netlink.headerLength <= raw.count {
            let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= Netlink.headerLength, offset + length <= raw.count else { break }
            let message = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
            let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
            control(type)
            switch type {
            case Netlink.newLink, Netlink.deleteLink:
                switch LinkMessageParser.parse(message) {
                case .link(let link): out.append(.link(link))
                case .removed(let index): out.append(.linkRemoved(index: index))
                case nil: break
                }
            case Netlink.newRoute, Netlink.deleteRoute:
                if let (route, removed) = RouteMessageParser.parseNotification(message) {
                    out.append(removed ? .routeRemoved(route) : .route(route))
                }
            default: break
            }
            offset += Netlink.align(length)
        }
        return out
    }
}
