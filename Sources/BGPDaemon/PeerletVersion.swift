// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// The Peerlet release.
public enum PeerletVersion {
    /// The version string both executables print.
    public static let string = "0.1.0"
}
