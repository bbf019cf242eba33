// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import BGPModel
import Yams

extension ConfigLoader {
    static let workloadKeys = ["interfaces", "addresses", "protocols", "table", "blocks", "unreachable-blocks", "ipvlan", "communities", "large-communities", "med"]
    static let ipvlanKeys = ["interface", "subnets"]

    static func parseWorkloads(_ node: Node, _ r: ConfigReader) -> WorkloadConfig {
        var w = WorkloadConfig()
        let f = r.fields(node, "workloads", allowed: workloadKeys)
        if let v = f["interfaces"] {
            w.interfaces = r.sequence(v, "workloads.interfaces").compactMap { interfacePattern($0, "workloads.interfaces", r) }
        }
        if let v = f["addresses"] {
            w.addresses = r.sequence(v, "workloads.addresses").compactMap { interfacePattern($0, "workloads.addresses", r) }
        }
        if let v = f["protocols"] {
            w.protocols = r.sequence(v, "workloads.protocols").compactMap {
                r.value($0, "workloads.protocols", expected: "a protocol number in 1...255, not Peerlet's own") { UInt8($0).flatMap { $0 == 0 ? nil : $0 } }
            }
        }
        if let v = f["table"] { w.table = r.integer(v, "workloads.table", in: 1...UInt32.max - 1) ?? 254 }
        if let v = f["blocks"] {
            w.blocks = r.sequence(v, "workloads.blocks").compactMap { item in
                let prefix = r.value(item, "IPAM block", expected: "a prefix such as 10.65.0.0/26") { IPPrefix($0) }
                if let prefix { checkHostBits(prefix, item, r) }
                return prefix
            }
        }
        if let v = f["unreachable-blocks"] { w.unreachableBlocks = r.bool(v, "workloads.unreachable-blocks") ?? false }
        if let v = f["ipvlan"] {
            for item in r.sequence(v, "workloads.ipvlan") {
                let e = r.fields(item, "an ipvlan entry", allowed: ipvlanKeys)
                guard let i = e["interface"], let s = e["subnets"] else {
                    r.error(item, "ipvlan entry needs 'interface' and 'subnets'")
                    continue
                }
                guard let pattern = interfacePattern(i, "ipvlan interface", r) else { continue }
                let subnets = r.sequence(s, "ipvlan subnets").compactMap { item in
                    let prefix = r.value(item, "ipvlan subnet", expected: "a prefix such as 10.70.0.0/24") { IPPrefix($0) }
                    if let prefix { checkHostBits(prefix, item, r) }
                    return prefix
                }
                w.ipvlan.append(.init(interface: pattern, subnets: subnets))
            }
        }
        (w.communities, w.largeCommunities, w.med) = parseOriginAttributes(f, r)
        return w
    }

    /// An interface-name pattern: 1 to 64 printable characters without '/' or whitespace.
    static func interfacePattern(_ node: Node, _ what: String, _ r: ConfigReader) -> String? {
        r.value(node, what, expected: "an interface name or pattern such as cali* or veth?") { text in
            guard !text.isEmpty, text.utf8.count <= 64, !text.contains(where: { $0 == "/" || $0.isWhitespace }) else { return nil }
            return text
        }
    }
}
