// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import BGPModel

/// An address on an interface, as RTM_NEWADDR reports it (`ip address`).
public struct KernelAddress: Hashable, Sendable, CustomStringConvertible {
    /// The interface's index.
    public var interfaceIndex: UInt32
    /// The address itself (IFA_LOCAL, or IFA_ADDRESS when there is no local one).
    public var address: IPAddress
    /// The length of the subnet it belongs to.
    public var prefixLength: UInt8
    /// The scope (`ifa_scope`): 0 global, 253 link, 254 host.
    public var scope: UInt8

    /// Creates an address.
    public init(interfaceIndex: UInt32, address: IPAddress, prefixLength: UInt8, scope: UInt8 = 0) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.prefixLength = prefixLength
        self.scope = scope
    }

    /// True for a global-scope address (not link-local, not loopback).
    public var isGlobal: Bool { scope == 0 }

    /// The host route of the address (/32 or /128).
    public var hostPrefix: IPPrefix {
        switch address {
        case .v4(let a): .v4(IPv4Prefix(address: a, length: 32))
        case .v6(let a): .v6(IPv6Prefix(address: a, length: 128))
        }
    }

    public var description: String { "\(address)/\(prefixLength) dev #\(interfaceIndex) scope \(scope)" }
}
