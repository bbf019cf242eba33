// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.
// Fuzz target: the netlink parsers (RTM_NEWLINK/DELLINK, RTM_NEWROUTE/DELROUTE, RTM_NEWNEXTHOP, RTM_NEWADDR/DELADDR). Whatever the
// bytes, they return a value or nil; a parsed route's prefix length is within its family's range; a parsed group
// has members.

import FIBSync
import FuzzDriver
import NetlinkMNL

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if case .link(let link)? = LinkMessageParser.parse(bytes) {
        precondition(link.ipvlanMode == nil || link.kind == "ipvlan", "ipvlan mode on a \(link.kind ?? "plain") link")
    }
    if let (route, _) = RouteMessageParser.parseNotification(bytes) {
        precondition(route.prefix.length <= (route.prefix.afi == .ipv4 ? 32 : 128), "prefix length out of range")
    }
    if case .group(let members)? = NextHopMessageParser.parse(bytes)?.content {
        precondition(!members.isEmpty, "a group without members")
    }
    _ = NextHopMessageParser.nextHopID(ofRoute: bytes)
    if let (address, _) = AddressMessageParser.parse(bytes) {
        precondition(address.prefixLength <= (address.address.afi == .ipv4 ? 32 : 128), "address prefix length out of range")
    }
    return 0
}

/// SwiftPM binds `main` to `FuzzNetlink_main`; libFuzzer's driver starts from here.
@_cdecl("FuzzNetlink_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
