// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import CMNL
public import FIBSync
import Glibc
import Synchronization

/// The kernel's routing tables through a libmnl netlink socket: the real `RouteTable`.
///
/// Operations are sent in batches of up to 64 KiB, every request with NLM_F_ACK and its own sequence number, and
/// every acknowledgement is matched back to its operation (batched netlink with acknowledgements: the kernel's
/// fastest safe path; without reading them, routes are silently lost under a burst). An ENOBUFS on the socket or
/// an acknowledgement that does not come is an overrun: the outcome of some operations is unknown, and the
/// caller dumps the table and reconciles (`FIBReconciler`). Calls are serialised on one socket.
public final class MNLRouteTable: RouteTable, @unchecked Sendable {
    // @unchecked: the socket is used only inside `lock`.
    private let socket: OpaquePointer
    private let portID: UInt32
    private let lock = Mutex<UInt32>(1)  // the next sequence number
    /// The most octets per send.
    public static let batchLimit = 64 * 1024

    /// Opens a netlink route socket, inside the named network namespace (`ip netns` name) if given; the calling
    /// thread returns to its own namespace before this returns.
    public init(namespace: String? = nil, receiveBuffer: Int32 = 16 << 20) throws(FIBError) {
        var original: Int32 = -1
        if let namespace {
            original = open("/proc/self/ns/net", O_RDONLY)
            let target = open("/var/run/netns/\(namespace)", O_RDONLY)
            guard original >= 0, target >= 0, peerlet_enter_netns(target) == 0 else {
                let e = errno
                if target >= 0 { close(target) }
                if original >= 0 { close(original) }
                throw .socket(errno: e)
            }
            close(target)
        }
        defer {
            if original >= 0 {
                _ = peerlet_enter_netns(original)
                close(original)
            }
        }
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else { throw .socket(errno: errno) }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            let e = errno
            mnl_socket_close(socket)
            throw .socket(errno: e)
        }
        let fd = mnl_socket_get_fd(socket)
        Self.setBuffer(fd, force: SO_RCVBUFFORCE, plain: SO_RCVBUF, size: receiveBuffer)
        Self.setBuffer(fd, force: SO_SNDBUFFORCE, plain: SO_SNDBUF, size: 4 << 20)
        // A lost acknowledgement must not block forever: after 5 s it counts as an overrun.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Acknowledgements without the request echoed back: smaller, so fewer overruns.
        var one: Int32 = 1
        _ = mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        self.socket = socket
        self.portID = mnl_socket_get_portid(socket)
    }

    deinit { mnl_socket_close(socket) }

    /// Sets a buffer size, with the FORCE variant (root or CAP_NET_ADMIN) first. Also used by `MNLKernelMonitor`.
    static func setBuffer(_ fd: Int32, force: Int32, plain: Int32, size: Int32) {
        var value = size
        if setsockopt(fd, SOL_SOCKET, force, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, plain, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    public func apply(_ operations: [FIBOperation]) throws(FIBError) -> [FIBResult] {
        try lock.withLock { (sequence: inout UInt32) throws(FIBError) -> [FIBResult] in
            var results = [FIBResult?](repeating: nil, count: operations.count)
            var index = 0
            var batch: [UInt8] = []
            batch.reserveCapacity(Self.batchLimit)
            while index < operations.count {
                batch.removeAll(keepingCapacity: true)
                let first = index
                let base = sequence
                while index < operations.count, batch.count + 512 <= Self.batchLimit {
                    let seq = base &+ UInt32(index - first)
                    switch operations[index] {
                    case .install(let route): RouteMessageBuilder.install(route, sequence: seq, into: &batch)
                    case .remove(let route): RouteMessageBuilder.remove(route, sequence: seq, into: &batch)
                    }
                    index += 1
                }
                sequence = base &+ UInt32(index - first)
                try send(batch)
                var pending = index - first
                try receive { type, seq, payload throws(FIBError) in
                    guard type == Netlink.error else { return true }
                    let slot = Int(seq &- base)
                    guard slot >= 0, slot < index - first, results[first + slot] == nil, payload.count >= 4 else { return true }
                    let code = -payload.loadUnaligned(as: Int32.self)
                    switch (code, operations[first + slot]) {
                    case (0, _), (ESRCH, .remove): results[first + slot] = .done
                    default: results[first + slot] = .failed(errno: code)
                    }
                    pending -= 1
                    return pending > 0
                }
            }
            return results.map { $0! }
        }
    }

    public func dump(table: UInt32, ipv6: Bool) throws(FIBError) -> [KernelRoute] {
        try lock.withLock { (sequence: inout UInt32) throws(FIBError) -> [KernelRoute] in
            let seq = sequence
            sequence &+= 1
            var request: [UInt8] = []
            RouteMessageBuilder.dumpRequest(ipv6: ipv6, sequence: seq, into: &request)
            try send(request)
            var routes: [KernelRoute] = []
            var failure: FIBError?
            try receive { type, messageSeq, payload throws(FIBError) in
                guard messageSeq == seq else { return true }
                switch type {
                case Netlink.done: return false
                case Netlink.error:
                    failure = .malformedReply("dump refused with errno \(-(payload.count >= 4 ? payload.loadUnaligned(as: Int32.self) : 0))")
                    return false
                default: return true
                }
            } onMessage: { message in
                if let route = RouteMessageParser.parse(message), route.table == table { routes.append(route) }
            }
            if let failure { throw failure }
            return routes
        }
    }

    // MARK: - Socket

    private func send(_ bytes: [UInt8]) throws(FIBError) {
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        if sent < 0 { throw errno == ENOBUFS ? .overrun : .socket(errno: errno) }
    }

    /// Reads messages until `handle` returns false. `handle` gets each message's type, sequence number and
    /// payload; `onMessage` gets each whole message first.
    private func receive(
        _ handle: (UInt16, UInt32, UnsafeRawBufferPointer) throws(FIBError) -> Bool,
        onMessage: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws(FIBError) {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            if received < 0 {
                switch errno {
                case EINTR: continue
                case ENOBUFS, EAGAIN: throw .overrun  // lost messages, or an acknowledgement that never came
                default: throw .socket(errno: errno)
                }
            }
            var more = true
            var failure: FIBError?
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + Netlink.headerLength <= received {
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    guard length >= Netlink.headerLength, offset + length <= received else {
                        failure = .malformedReply("netlink message of length \(length)")
                        return
                    }
                    let type = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
                    let seq = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
                    let message = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    onMessage(message)
                    if more {
                        do throws(FIBError) {
                            more = try handle(type, seq, UnsafeRawBufferPointer(rebasing: message[Netlink.headerLength...]))
                        } catch {
                            failure = error
                            return
                        }
                    }
                    offset += Netlink.align(length)
                }
            }
            if let failure { throw failure }
            if !more { return }
        }
    }
}
