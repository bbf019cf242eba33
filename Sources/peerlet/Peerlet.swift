// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import ArgumentParser

/// `peerlet`: the operator CLI. It talks to `peerletd` over the REST API on a unix socket; the API and the
/// `show`, `explain`, `announce`, `reload` commands arrive with issue #5. Today it only reports its version.
@main
struct Peerlet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peerlet",
        abstract: "Peerlet command-line interface (the daemon API arrives with issue #5).",
        version: "0.1.0")
}
