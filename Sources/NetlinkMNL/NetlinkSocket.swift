// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import CMNL
import FIBSync
import Glibc

/// One libmnl netlink route socket with its receive area: sends requests and batches, and matches replies and
/// acknowledgements back to them. Used by one thread at a time (`MNLRouteTable` hands each lane to one thread).
final class NetlinkSocket: @unchecked Sendable {
    // @unchecked: used by one thread at a time, under MNLRouteTable's lock.
    private let socket: OpaquePointer
    /// The next sequence number.
    private var sequence: UInt32 = 1
    /// Where replies are received: one area, read either as many small slots, one datagram each
    /// (acknowledgements, many per recvmmsg call), or as one large slot (dump replies).
    private let area: UnsafeMutableRawPointer
    private let vectors: UnsafeMutablePointer<peerlet_iovec>
    private let headers: UnsafeMutablePointer<peerlet_mmsghdr>
    static let areaSize = 256 * 1024
    /// An acknowledgement is 36 octets (NETLINK_CAP_ACK); a slot holds any error reply as well.
    static let acknowledgementSlot = 2048
    /// The most octets per send.
    static let batchLimit = 64 * 1024

    /// Opens a socket, inside the named network namespace (`ip netns` name) if given; the calling thread returns
    /// to its own namespace before this returns.
    init(namespace: String?, receiveBuffer: Int32) throws(FIBError) {
        let socket = try Self.inNamespace(namespace) { () throws(FIBError) -> OpaquePointer in
            guard let socket = mnl_socket_open(NETLINK_ROUTE) else { throw .socket(errno: errno) }
            return socket
        }
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
        area = .allocate(byteCount: Self.areaSize, alignment: 16)
        let slots = Self.areaSize / Self.acknowledgementSlot
        vectors = .allocate(capacity: slots)
        headers = .allocate(capacity: slots)
        headers.initialize(repeating: peerlet_mmsghdr(), count: slots)
    }

    deinit {
        mnl_socket_close(socket)
        area.deallocate()
        vectors.deallocate()
        headers.deallocate()
    }

    /// Runs `body` inside the named network namespace (`ip netns` name; nil: the current one), and returns the
    /// calling thread to its own namespace. Sockets opened in `body` stay in the namespace they were opened in.
    static func inNamespace<T>(_ namespace: String?, _ body: () throws(FIBError) -> T) throws(FIBError) -> T {
        guard let namespace else { return try body() }
        let original = open("/proc/self/ns/net", O_RDONLY)
        let target = open("/var/run/netns/\(namespace)", O_RDONLY)
        defer {
            if target >= 0 { close(target) }
            if original >= 0 {
                _ = peerlet_enter_netns(original)
                close(original)
            }
        }
        guard original >= 0, target >= 0, peerlet_enter_netns(target) == 0 else { throw .socket(errno: errno) }
        return try body()
    }

    /// Sets a buffer size, with the FORCE variant (root or CAP_NET_ADMIN) first. Also used by `MNLKernelMonitor`.
    static func setBuffer(_ fd: Int32, force: Int32, plain: Int32, size: Int32) {
        var value = size
        if setsockopt(fd, SOL_SOCKET, force, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, plain, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Applies `operations[indices]` in batches of up to `batchLimit` octets, every request acknowledged; writes
    /// each outcome into `results` at the operation's index. `objects[i]` is the next-hop object an install refers
    /// to (0: none).
    func apply(
        _ operations: [FIBOperation], indices: [Int], objects: [UInt32], into results: UnsafeMutableBufferPointer<FIBResult?>
    ) throws(FIBError) {
        var position = 0
        var batch: [UInt8] = []
        batch.reserveCapacity(Self.batchLimit)
        while position < indices.count {
            batch.removeAll(keepingCapacity: true)
            let first = position
            let base = sequence
            while position < indices.count, batch.count + 512 <= Self.batchLimit {
                let index = indices[position]
                let seq = base &+ UInt32(position - first)
                switch operations[index] {
                case .install(let route), .create(let route):
                    let object = objects[index]
                    let exclusive = if case .create = operations[index] { true } else { false }
                    RouteMessageBuilder.install(route, nextHopObject: object == 0 ? nil : object, exclusive: exclusive, sequence: seq, into: &batch)
                case .remove(let route): RouteMessageBuilder.remove(route, sequence: seq, into: &batch)
                case .removeThrough(_, let routes):
                    // MNLRouteTable expands these into single removals before any lane sees them.
                    assertionFailure("removeThrough reached a lane")
                    RouteMessageBuilder.remove(routes.template, sequence: seq, into: &batch)
                }
                position += 1
            }
            sequence = base &+ UInt32(position - first)
            try send(batch)
            var pending = position - first
            try receive { type, seq, payload throws(FIBError) in
                guard type == Netlink.error else { return true }
                let slot = Int(seq &- base)
                guard slot >= 0, slot < position - first, payload.count >= 4 else { return true }
                let index = indices[first + slot]
                guard results[index] == nil else { return true }
                let code = -payload.loadUnaligned(as: Int32.self)
                switch (code, operations[index]) {
                case (0, _), (ESRCH, .remove): results[index] = .done
                default: results[index] = .failed(errno: code)
                }
                pending -= 1
                return pending > 0
            }
        }
    }

    /// Sends one request and waits for its answer: the errno of its NLMSG_ERROR (0 for an acknowledgement), or 0
    /// after a reply message, which goes to `onReply`.
    func request(_ build: (UInt32, inout [UInt8]) -> Void, onReply: (UnsafeRawBufferPointer) -> Void = { _ in }) throws(FIBError) -> Int32 {
        let seq = sequence
        sequence &+= 1
        var bytes: [UInt8] = []
        build(seq, &bytes)
        try send(bytes)
        var code: Int32 = 0
        try receive(slot: Self.areaSize) { type, messageSeq, payload throws(FIBError) in
            guard messageSeq == seq else { return true }
            if type == Netlink.error { code = payload.count >= 4 ? -payload.loadUnaligned(as: Int32.self) : EPROTO }
            return false
        } onMessage: { message in
            guard message.count >= 16, message.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == seq,
                message.loadUnaligned(fromByteOffset: 4, as: UInt16.self) != Netlink.error
            else { return }
            onReply(message)
        }
        return code
    }

    /// Sends a dump request and hands every reply message to `onMessage`, until NLMSG_DONE; an NLMSG_ERROR ends it
    /// with `.refused`.
    func dump(_ build: (UInt32, inout [UInt8]) -> Void, onMessage: (UnsafeRawBufferPointer) -> Void) throws(FIBError) {
        let seq = sequence
        sequence &+= 1
        var request: [UInt8] = []
        build(seq, &request)
        try send(request)
        var failure: FIBError?
        try receive(slot: Self.areaSize) { type, messageSeq, payload throws(FIBError) in
            guard messageSeq == seq else { return true }
            switch type {
            case Netlink.done: return false
            case Netlink.error:
                let code = payload.count >= 4 ? -payload.loadUnaligned(as: Int32.self) : 0
                if code != 0 { failure = .refused(errno: code) }
                return false
            default: return true
            }
        } onMessage: { message in
            if message.count >= 12, message.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == seq { onMessage(message) }
        }
        if let failure { throw failure }
    }

    private func send(_ bytes: [UInt8]) throws(FIBError) {
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        if sent < 0 { throw errno == ENOBUFS ? .overrun : .socket(errno: errno) }
    }

    /// Reads messages until `handle` returns false. `handle` gets each message's type, sequence number and
    /// payload; `onMessage` gets each whole message first. `slot` is the most octets one datagram may have: small
    /// for acknowledgements, so that one recvmmsg call takes up to 128 of them; the whole area for dumps.
    private func receive(
        slot: Int = acknowledgementSlot,
        _ handle: (UInt16, UInt32, UnsafeRawBufferPointer) throws(FIBError) -> Bool,
        onMessage: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) throws(FIBError) {
        let slots = Self.areaSize / slot
        for i in 0..<slots {
            vectors[i] = peerlet_iovec(base: area + i * slot, length: UInt(slot))
            headers[i] = peerlet_mmsghdr()
            headers[i].header.iov = vectors + i
            headers[i].header.iov_count = 1
        }
        let fd = mnl_socket_get_fd(socket)
        while true {
            let count = peerlet_recvmmsg(fd, headers, UInt32(slots), Int32(MSG_WAITFORONE), nil)
            if count < 0 {
                switch errno {
                case EINTR: continue
                case ENOBUFS, EAGAIN: throw .overrun  // lost messages, or an acknowledgement that never came
                default: throw .socket(errno: errno)
                }
            }
            var more = true
            for i in 0..<Int(count) where more {
                // A datagram cut short by its slot lost messages whose outcome is now unknown.
                if headers[i].header.flags & Int32(MSG_TRUNC) != 0 { throw .overrun }
                let datagram = UnsafeRawBufferPointer(start: area + i * slot, count: Int(headers[i].length))
                more = try parse(datagram, handle, onMessage: onMessage)
            }
            if !more { return }
        }
    }

    /// Splits one datagram into netlink messages; false once `handle` has had enough.
    private func parse(
        _ raw: UnsafeRawBufferPointer,
        _ handle: (UInt16, UInt32, UnsafeRawBufferPointer) throws(FIBError) -> Bool,
        onMessage: (UnsafeRawBufferPointer) -> Void
    ) throws(FIBError) -> Bool {
        var offset = 0
        var more = true
        while offset + Netlink.headerLength <= raw.count {
            let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= Netlink.headerLength, offset + length <= raw.count else {
                throw .malformedReply("netlink message of length \(length)")
            }
            let type = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            let seq = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let message = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
            onMessage(message)
            if more { more = try handle(type, seq, UnsafeRawBufferPointer(rebasing: message[Netlink.headerLength...])) }
            offset += Netlink.align(length)
        }
        return more
    }
}
