// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import CMNL
import Dispatch
public import FIBSync
import Glibc
import Synchronization

/// Watches the kernel's links, addresses and routes for workload discovery: netlink notifications (events, not
/// polling), after an initial snapshot.
///
/// The notification socket subscribes (RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_IPV4_ROUTE,
/// RTMGRP_IPV6_ROUTE) before the snapshot is
/// dumped on a second socket, so nothing that happens in between is missed: notifications queued during the dump
/// are delivered after it, and applying an add or a delete twice is harmless. When the kernel drops
/// notifications (ENOBUFS) the monitor empties the socket, takes a new snapshot and says so (`resync`), so the
/// consumer rebuilds its state instead of drifting.
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
    /// The next dump's sequence number (monitor thread only): replies of an abandoned dump are told apart.
    private var sequence: UInt32 = 1

    /// Opens both sockets in the named network namespace (`ip netns` name; nil: the current one) and subscribes.
    /// Throws when netlink is unavailable. `receiveBuffer`: the notification socket's buffer (a tiny one makes the
    /// kernel drop notifications: tests).
    public init(namespace: String? = nil, receiveBuffer: Int32 = 4 << 20) throws(FIBError) {
        let (events, dumps) = try NetlinkSocket.inNamespace(namespace) { () throws(FIBError) -> (OpaquePointer, OpaquePointer) in
            guard let events = mnl_socket_open(NETLINK_ROUTE) else { throw .socket(errno: errno) }
            guard let dumps = mnl_socket_open(NETLINK_ROUTE) else {
                mnl_socket_close(events)
                throw .socket(errno: errno)
            }
            return (events, dumps)
        }
        let groups = Netlink.groupLink | Netlink.groupIPv4Address | Netlink.groupIPv6Address | Netlink.groupIPv4Route
            | Netlink.groupIPv6Route
        guard mnl_socket_bind(events, groups, pid_t(MNL_SOCKET_AUTOPID)) >= 0, mnl_socket_bind(dumps, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            let e = errno
            mnl_socket_close(events)
            mnl_socket_close(dumps)
            throw .socket(errno: e)
        }
        let fd = mnl_socket_get_fd(events)
        NetlinkSocket.setBuffer(fd, force: SO_RCVBUFFORCE, plain: SO_RCVBUF, size: receiveBuffer)
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
                        case ENOBUFS:
                            // The kernel reports only the first drop until the queue has been emptied: empty it
                            // (what is queued is older than the snapshot, which covers it), so that a drop during
                            // the snapshot is reported again rather than lost.
                            discardQueued(&buffer)
                            deliver(.snapshot(try snapshot(), resync: true))
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

    /// Reads and drops every notification queued on the events socket, until none is left.
    private func discardQueued(_ buffer: inout [UInt8]) {
        let fd = mnl_socket_get_fd(events)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if received < 0, errno != EINTR, errno != ENOBUFS { return }
        }
    }

    /// Stops the thread and waits for it.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        done.wait()
    }

    /// Every link, address, then IPv4 and IPv6 route, as events. A dump the kernel marks inconsistent (the tables
    /// changed while it ran: NLM_F_DUMP_INTR, entries may be missing) or that overran is taken again; after five
    /// tries the last one is used, and the notifications that follow it fill the gaps.
    private func snapshot() throws(FIBError) -> [WorkloadTracker.Event] {
        var attempt = 0
        while true {
            attempt += 1
            do throws(FIBError) {
                let (events, consistent) = try dumpAll()
                if consistent || attempt >= 5 { return events }
            } catch .overrun where attempt < 5 {
                continue
            }
        }
    }

    /// The four dumps, and whether the kernel found each consistent.
    private func dumpAll() throws(FIBError) -> (events: [WorkloadTracker.Event], consistent: Bool) {
        var out: [WorkloadTracker.Event] = []
        var consistent = true
        let requests: [(UInt32, inout [UInt8]) -> Void] = [
            { RouteMessageBuilder.linkDumpRequest(sequence: $0, into: &$1) },
            { RouteMessageBuilder.addressDumpRequest(sequence: $0, into: &$1) },
            { RouteMessageBuilder.dumpRequest(ipv6: false, sequence: $0, into: &$1) },
            { RouteMessageBuilder.dumpRequest(ipv6: true, sequence: $0, into: &$1) },
        ]
        for build in requests {
            var request: [UInt8] = []
            build(sequence, &request)
            consistent = try dump(request, sequence: sequence, into: &out) && consistent
            sequence &+= 1
        }
        return (out, consistent)
    }

    /// One dump; false when the kernel marked it inconsistent.
    private func dump(_ request: [UInt8], sequence: UInt32, into out: inout [WorkloadTracker.Event]) throws(FIBError) -> Bool {
        let sent = request.withUnsafeBytes { mnl_socket_sendto(dumps, $0.baseAddress, $0.count) }
        if sent < 0 { throw .socket(errno: errno) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var consistent = true
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(dumps, $0.baseAddress, $0.count) }
            if received < 0 {
                if errno == EINTR { continue }
                throw errno == ENOBUFS || errno == EAGAIN ? .overrun : .socket(errno: errno)
            }
            var finished = false
            let batch = buffer.withUnsafeBytes { raw in
                Self.parse(UnsafeRawBufferPointer(rebasing: raw[0..<received]), sequence: sequence) { type, flags in
                    if flags & Netlink.dumpInterrupted != 0 { consistent = false }
                    if type == Netlink.done || type == Netlink.error { finished = true }
                }
            }
            out += batch
            if finished { return consistent }
        }
    }

    /// The events in a buffer of netlink messages; `control` sees every message's type and flags. With
    /// `sequence`, messages with another sequence number (left from an abandoned dump) are skipped.
    static func parse(
        _ raw: UnsafeRawBufferPointer, sequence: UInt32? = nil, control: (UInt16, UInt16) -> Void = { _, _ in }
    ) -> [WorkloadTracker.Event] {
        var out: [WorkloadTracker.Event] = []
        var offset = 0
        while offset + Netlink.headerLength <= raw.count {
            let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= Netlink.headerLength, offset + length <= raw.count else { break }
            let message = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
            let type = message.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
            let flags = message.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
            if let sequence, message.loadUnaligned(fromByteOffset: 8, as: UInt32.self) != sequence {
                offset += Netlink.align(length)
                continue
            }
            control(type, flags)
            switch type {
            case Netlink.newLink, Netlink.deleteLink:
                switch LinkMessageParser.parse(message) {
                case .link(let link): out.append(.link(link))
                case .removed(let index): out.append(.linkRemoved(index: index))
                case nil: break
                }
            case Netlink.newAddress, Netlink.deleteAddress:
                if let (address, removed) = AddressMessageParser.parse(message) {
                    out.append(removed ? .addressRemoved(address) : .address(address))
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
