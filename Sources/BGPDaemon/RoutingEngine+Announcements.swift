// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import BGPRIB
import NIOCore

/// A route announced through the API, with its lease.
struct LeasedAnnouncement {
    /// The client that announced it.
    var owner: String
    /// The local path's identifier: one per owner, so owners of the same prefix do not replace each other.
    var pathID: UInt32
    var attributes: RouteAttributes
    /// The lease, when one was given, and the task that ends it.
    var lease: TimeAmount?
    var expires: NIODeadline?
    var expiry: Scheduled<Void>?
}

/// Announcements through the API (on the event loop): originated as local paths, replaced and renewed by the same
/// owner, withdrawn by the owner or when the lease runs out, so a client that dies leaves nothing behind.
extension RoutingEngine {
    /// The local path identifier of an owner's announcements (never 0, which configuration and workloads use).
    static func announcementPathID(owner: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261  // FNV-1a: stable across runs
        for byte in owner.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash | 0x8000_0000
    }

    /// Announces (or replaces and renews) `prefix` for `owner`; returns the deadline of the lease, if any.
    @discardableResult
    func announce(_ prefix: IPPrefix, owner: String, attributes: RouteAttributes, lease: TimeAmount?) -> NIODeadline? {
        eventLoop.assertInEventLoop()
        let pathID = Self.announcementPathID(owner: owner)
        announcements[prefix]?[owner]?.expiry?.cancel()
        var entry = LeasedAnnouncement(owner: owner, pathID: pathID, attributes: attributes, lease: lease)
        if let lease {
            entry.expires = .now() + lease
            entry.expiry = eventLoop.scheduleTask(in: lease) { [weak self] in
                guard let self else { return }
                self.logger.notice("\(LogEvent.leaseExpired(prefix, owner: owner))")
                _ = self.withdrawAnnouncement(prefix, owner: owner)
            }
        }
        announcements[prefix, default: [:]][owner] = entry
        stamp()
        distribute(rib.update(from: .local, announced: [RoutePrefix(prefix, pathID: pathID)], attributes: attributes))
        return entry.expires
    }

    /// Withdraws `owner`'s announcement of `prefix`; false when there is none.
    func withdrawAnnouncement(_ prefix: IPPrefix, owner: String) -> Bool {
        eventLoop.assertInEventLoop()
        guard let entry = announcements[prefix]?.removeValue(forKey: owner) else { return false }
        if announcements[prefix]?.isEmpty == true { announcements[prefix] = nil }
        entry.expiry?.cancel()
        distribute(rib.update(from: .local, withdrawn: [RoutePrefix(prefix, pathID: entry.pathID)]))
        return true
    }

    /// The announcement behind a local path, if it is one.
    func announcement(_ prefix: IPPrefix, pathID: UInt32) -> LeasedAnnouncement? {
        announcements[prefix]?.values.first { $0.pathID == pathID }
    }
}
