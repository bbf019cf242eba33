// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// Why a received path takes no part in the decision process.
public enum Ineligibility: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// Our own AS is in the AS_PATH (more often than allowas-in permits): a loop (RFC 4271 §9.1.2).
    case asPathLoop = 1
    /// The ORIGINATOR_ID is our router ID (RFC 4456 §8).
    case originatorLoop = 2
    /// Our cluster ID is in the CLUSTER_LIST (RFC 4456 §8).
    case clusterLoop = 3
    /// From an eBGP neighbour, the first AS of the path is not the neighbour's (RFC 4271 §6.3).
    case firstASMismatch = 4
    /// The import policy rejected it.
    case rejectedByPolicy = 5

    public var description: String {
        switch self {
        case .asPathLoop: "AS_PATH contains our AS"
        case .originatorLoop: "ORIGINATOR_ID is our router ID"
        case .clusterLoop: "CLUSTER_LIST contains our cluster ID"
        case .firstASMismatch: "first AS is not the neighbor's"
        case .rejectedByPolicy: "rejected by import policy"
        }
    }
}

/// One path as stored: 20 bytes. `received` is the pre-policy Adj-RIB-In entry, `accepted` the post-policy one
/// (the same identifier when policy changed nothing); `time` when it arrived, in the owner's seconds (`RIB.time`).
struct StoredPath: Hashable, Sendable {
    var peer: PeerID
    var ineligibility: UInt8  // 0 = eligible, else Ineligibility.rawValue
    var pathID: UInt32
    var received: AttributeID
    var accepted: AttributeID  // == received unless policy modified it; ignored when ineligible
    var time: UInt32 = 0

    var isEligible: Bool { ineligibility == 0 }
}

/// The per-prefix record: the first path inline (most prefixes have one), others in an overflow pool, and the
/// current Loc-RIB selection. 32 bytes.
struct DestinationRecord: Sendable {
    var first: StoredPath
    var overflow: UInt32  // index + 1 into the overflow pool, 0 when there is no second path
    var selection: UInt8  // bit i set: path i is in the ECMP set (paths beyond 8 never are)
    var bestIndex: UInt8  // 0xFF when nothing is selected
    var decidedBy: DecisionStep
}

/// Prefix → destination storage for one address family, compact enough for a million routes: a hash index of
/// 32-bit slots, the prefixes and records in dense arrays, freed slots reused.
struct RouteTable<Prefix: RIBPrefix>: Sendable {
    private var index = PrefixIndex()
    private(set) var prefixes: ContiguousArray<Prefix> = []
    private(set) var records: ContiguousArray<DestinationRecord> = []
    /// Whether each slot holds a destination (freed slots wait in `freeSlots`).
    private var live: [Bool] = []
    private var freeSlots: [UInt32] = []
    private var overflowPool: [[StoredPath]] = []
    private var freeOverflow: [UInt32] = []

    var count: Int { index.count }

    func slot(of prefix: Prefix) -> UInt32? { index.find(prefix) { prefixes[Int($0)] } }

    func record(_ slot: UInt32) -> DestinationRecord { records[Int(slot)] }

    func prefix(_ slot: UInt32) -> Prefix { prefixes[Int(slot)] }

    /// All paths of a destination (first, then the overflow ones).
    func paths(_ slot: UInt32) -> [StoredPath] {
        let record = records[Int(slot)]
        guard record.overflow != 0 else { return [record.first] }
        return [record.first] + overflowPool[Int(record.overflow - 1)]
    }

    /// Replaces the paths of `prefix` (creating or deleting the destination as needed); returns its slot, or
    /// `nil` if the destination was removed.
    @discardableResult
    mutating func setPaths(_ paths: [StoredPath], for prefix: Prefix, selection: (bestIndex: UInt8, mask: UInt8, decidedBy: DecisionStep))
        -> UInt32?
    {
        if paths.isEmpty {
            guard let slot = self.slot(of: prefix) else { return nil }
            index.remove(prefix, slot: slot)
            let record = records[Int(slot)]
            if record.overflow != 0 { releaseOverflow(record.overflow) }
            live[Int(slot)] = false
            freeSlots.append(slot)
            return nil
        }
        let slot: UInt32
        var overflow: UInt32 = 0
        if let existing = self.slot(of: prefix) {
            slot = existing
            overflow = records[Int(slot)].overflow
        } else if let reused = freeSlots.popLast() {
            slot = reused
            prefixes[Int(slot)] = prefix
            live[Int(slot)] = true
            index.insert(prefix, slot: slot)
        } else {
            slot = UInt32(records.count)
            prefixes.append(prefix)
            live.append(true)
            records.append(DestinationRecord(first: paths[0], overflow: 0, selection: 0, bestIndex: 0xFF, decidedBy: .onlyCandidate))
            index.insert(prefix, slot: slot)
        }
        if paths.count > 1 {
            let rest = Array(paths.dropFirst())
            if overflow == 0 {
                if let reused = freeOverflow.popLast() {
                    overflowPool[Int(reused)] = rest
                    overflow = reused + 1
                } else {
                    overflowPool.append(rest)
                    overflow = UInt32(overflowPool.count)
                }
            } else {
                overflowPool[Int(overflow - 1)] = rest
            }
        } else if overflow != 0 {
            releaseOverflow(overflow)
            overflow = 0
        }
        records[Int(slot)] = DestinationRecord(
            first: paths[0], overflow: overflow, selection: selection.mask, bestIndex: selection.bestIndex,
            decidedBy: selection.decidedBy)
        return slot
    }

    /// Stores `path` as the only path of `prefix` (whose slot is `slot`, or which is new when `nil`), selected or
    /// not: the array-free version of `setPaths` for the common case.
    mutating func setSinglePath(_ path: StoredPath, for prefix: Prefix, slot known: UInt32?, selected: Bool) {
        let record = DestinationRecord(
            first: path, overflow: 0, selection: selected ? 1 : 0, bestIndex: selected ? 0 : 0xFF, decidedBy: .onlyCandidate)
        if let slot = known {
            precondition(records[Int(slot)].overflow == 0, "setSinglePath on a destination with more paths")
            records[Int(slot)] = record
            return
        }
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            prefixes[Int(slot)] = prefix
            live[Int(slot)] = true
            records[Int(slot)] = record
        } else {
            slot = UInt32(records.count)
            prefixes.append(prefix)
            live.append(true)
            records.append(record)
        }
        index.insert(prefix, slot: slot)
    }

    /// Removes the destination at `slot` (holding `prefix`) without looking it up again.
    mutating func remove(_ prefix: Prefix, slot: UInt32) {
        index.remove(prefix, slot: slot)
        let record = records[Int(slot)]
        if record.overflow != 0 { releaseOverflow(record.overflow) }
        live[Int(slot)] = false
        freeSlots.append(slot)
    }

    private mutating func releaseOverflow(_ handle: UInt32) {
        overflowPool[Int(handle - 1)] = []
        freeOverflow.append(handle - 1)
    }

    /// Every live slot, in slot order.
    var slots: [UInt32] { live.indices.filter { live[$0] }.map { UInt32($0) } }
}
