// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Foundation
public import PeerletAPI
import Synchronization

/// Fans session and route events out to the API's subscribers (`GET /v1/events`, `peerlet watch`). Publishing
/// costs one atomic load while nobody listens; each subscriber has a bounded buffer that drops its oldest events
/// rather than slow the daemon, and is told how many it lost.
public final class EventHub: Sendable {
    private struct Subscriber {
        var continuation: AsyncStream<Event>.Continuation
        var dropped = 0
    }

    private let subscribers = Mutex<[UUID: Subscriber]>([:])
    private let count = Atomic<Int>(0)
    /// Events a subscriber may have waiting.
    static let buffer = 10_000
    private let started = ContinuousClock.now

    /// Creates a hub nobody listens to.
    public init() {}

    /// True when someone listens (checked before building events).
    public var isObserved: Bool { count.load(ordering: .relaxed) > 0 }

    /// Seconds since the hub was created.
    public var now: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds / 1_000_000_000_000_000) / 1000
    }

    /// A new subscription.
    public func subscribe() -> AsyncStream<Event> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(Self.buffer))
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.subscribers.withLock { _ = $0.removeValue(forKey: id) }
            self.count.subtract(1, ordering: .relaxed)
        }
        subscribers.withLock { $0[id] = Subscriber(continuation: continuation) }
        count.add(1, ordering: .relaxed)
        return stream
    }

    /// Sends events to every subscriber.
    public func publish(_ events: [Event]) {
        guard isObserved, !events.isEmpty else { return }
        subscribers.withLock { all in
            for id in all.keys {
                for var event in events {
                    if all[id]!.dropped > 0 { event.dropped = all[id]!.dropped }
                    switch all[id]!.continuation.yield(event) {
                    case .dropped: all[id]!.dropped += 1
                    case .enqueued: if event.dropped != nil { all[id]!.dropped = 0 }
                    case .terminated: break
                    @unknown default: break
                    }
                }
            }
        }
    }
}
