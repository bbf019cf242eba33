// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// A failure that stops the daemon from starting; `description` is the one line printed before exiting.
public struct StartupError: Error, CustomStringConvertible {
    /// The line to print.
    public var description: String

    /// Creates the error.
    public init(_ description: String) { self.description = description }
}
