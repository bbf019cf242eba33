// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// A path chosen for the Loc-RIB: where it came from and its attributes.
public struct SelectedPath: Hashable, Sendable {
    /// The source.
    public var peer: PeerID
    /// Its ADD-PATH identifier (0 without ADD-PATH).
    public var pathID: UInt32
    /// Its attributes after import policy.
    public var attributes: AttributeID
}

/// What the Loc-RIB holds for a prefix: the best path and the rest of the ECMP set. The best is stored inline and
/// the others in an array that stays empty (and unallocated) for the usual single-path prefix.
public struct Selection: Hashable, Sendable {
    /// The best path.
    public var best: SelectedPath
    /// The other members of the ECMP set, `nil` when there are none: a single-path selection holds no array at
    /// all, so creating and dropping millions of them costs no reference counting.
    private var rest: [SelectedPath]?
    /// The step that separated the best from the runner-up.
    public var decidedBy: DecisionStep

    /// The other members of the ECMP set, in decision order.
    public var others: [SelectedPath] { rest ?? [] }

    /// Creates a selection.
    public init(best: SelectedPath, others: [SelectedPath] = [], decidedBy: DecisionStep) {
        self.best = best
        self.rest = others.isEmpty ? nil : others
        self.decidedBy = decidedBy
    }

    /// The ECMP set, best first; never empty.
    public var multipath: [SelectedPath] { [best] + others }

    /// True when both select the same paths (the explanation may differ).
    func selectsSamePaths(as other: Selection?) -> Bool {
        guard let other else { return false }
        return best == other.best && rest == other.rest
    }
}

/// One change of the Loc-RIB, in the shape of BIRD's `rt_notify(net, new, old)` and OpenBGPD's
/// `rde_send_kroute(new, old)`: the FIB and every neighbour's export are driven from these.
///
/// The attribute identifiers in `old` stay valid until the next mutating call on the RIB, so consumers must
/// handle a batch of changes before feeding the RIB again.
public struct RIBChange: Hashable, Sendable {
    /// The prefix.
    public var prefix: IPPrefix
    /// The selection before, `nil` if the prefix was unreachable.
    public var old: Selection?
    /// The selection now, `nil` if the prefix became unreachable.
    public var new: Selection?
}
