// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import ArgumentParser
import Foundation
import PeerletAPI
import PeerletCLIKit

/// `peerlet`: the operator CLI. It talks to `peerletd` over the REST API on its unix socket (AsyncHTTPClient);
/// every command prints an aligned table or text, or with `--json` the API's own JSON.
///
/// Exit codes: 0 done; 1 the daemon refused the request (its problem is printed); 2 the daemon could not be
/// reached; 64 a usage error.
@main
struct Peerlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peerlet",
        abstract: "Inspect and steer a running peerletd through its API socket.",
        version: "0.1.0",
        subcommands: [Show.self, Explain.self, Announce.self, Withdraw.self, NeighborCommand.self, Reload.self, Watch.self])
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The API socket (default: $PEERLET_SOCKET or /run/peerlet/peerlet.sock).")
    var socket: String?

    @Flag(name: .long, help: "Print the API's JSON instead of a table.")
    var json = false

    var socketPath: String { socket ?? ProcessInfo.processInfo.environment["PEERLET_SOCKET"] ?? "/run/peerlet/peerlet.sock" }
    /// Colour only on a terminal, and never with NO_COLOR set.
    var color: Bool { isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    /// Sends a request and prints the answer: raw JSON with `--json`, else `render` of the decoded value.
    func run<T: Decodable>(
        _ method: String, _ path: String, query: [String: String?] = [:], body: (some Encodable)? = Optional<Int>.none, as type: T.Type,
        render: (T, Bool) -> String
    ) async throws {
        let answer = try await APIClient(socketPath: socketPath).send(method, path, query: query, body: body)
        if json {
            print(String(decoding: answer, as: UTF8.self), terminator: answer.last == 0x0A ? "" : "\n")
            return
        }
        let value = try JSONDecoder().decode(T.self, from: answer)
        print(render(value, color), terminator: "")
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state.",
        subcommands: [Status.self, Neighbors.self, Neighbor.self, Routes.self, FIB.self, Announcements.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Version, uptime, sessions, table sizes.")
        @OptionGroup var options: GlobalOptions
        func run() async throws {
            try await options.run("GET", "/v1/status", as: DaemonStatus.self, render: Render.status)
        }
    }

    struct Neighbors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every neighbour: state, uptime, prefixes.")
        @OptionGroup var options: GlobalOptions
        func run() async throws {
            try await options.run("GET", "/v1/neighbors", as: [NeighborState].self, render: Render.neighbors)
        }
    }

    struct Neighbor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One neighbour in detail: capabilities, timers, counters, last errors.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The neighbour's address.") var address: String
        func run() async throws {
            try await options.run("GET", "/v1/neighbors/\(address)", as: NeighborState.self, render: Render.neighbor)
        }
    }

    struct Routes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Loc-RIB (every path with its state), or one neighbour's Adj-RIB-In or Adj-RIB-Out.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "A prefix or an address.") var prefix: String?
        @Flag(help: "With PREFIX: it and every more specific prefix.") var longer = false
        @Option(help: "Only paths from (or, with --advertised, to) this neighbour.") var neighbor: String?
        @Flag(help: "The neighbour's Adj-RIB-In as received (pre-policy).") var received = false
        @Flag(help: "The neighbour's Adj-RIB-In after import policy.") var accepted = false
        @Flag(help: "The Adj-RIB-Out to the neighbour.") var advertised = false
        @Option(help: "ipv4 or ipv6.") var family: String?
        @Option(help: "At most this many prefixes.") var limit: Int?

        func validate() throws {
            if [received, accepted, advertised].filter({ $0 }).count > 1 {
                throw ValidationError("choose one of --received, --accepted, --advertised")
            }
            if received || accepted || advertised, neighbor == nil { throw ValidationError("--received, --accepted and --advertised need --neighbor") }
            if longer, prefix == nil { throw ValidationError("--longer needs a PREFIX") }
        }

        func run() async throws {
            let view = received ? "received" : accepted ? "accepted" : advertised ? "advertised" : nil
            let query: [String: String?] = [
                "prefix": prefix, "longer": longer ? "true" : nil, "neighbor": neighbor, "view": view, "family": family,
                "limit": limit.map(String.init),
            ]
            try await options.run("GET", "/v1/routes", query: query, as: [RouteEntry].self, render: Render.routes)
        }
    }

    struct FIB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fib", abstract: "The kernel routes Peerlet wants: installed, refused (and why) or in conflict.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Only routes inside this prefix.") var prefix: String?
        func run() async throws {
            try await options.run("GET", "/v1/fib", query: ["prefix": prefix], as: FIBView.self, render: Render.fib)
        }
    }

    struct Announcements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Routes announced through the API, with their owners and leases.")
        @OptionGroup var options: GlobalOptions
        func run() async throws {
            try await options.run("GET", "/v1/announcements", as: [Announcement].self, render: Render.announcements)
        }
    }
}

struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Why a route is or is not where you expect: its paths, import, decision, export per neighbour, kernel.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "A prefix or an address.") var prefix: String
    func run() async throws {
        try await options.run("GET", "/v1/explain", query: ["prefix": prefix], as: Explanation.self, render: Render.explanation)
    }
}

struct Announce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Originate a route for a client; with --lease it is withdrawn unless announced again in time.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The prefix.") var prefix: String
    @Option(help: "The client's name (default: $USER).") var owner: String?
    @Option(name: .customLong("community"), help: "A community (65000:42, no-export); repeatable.") var communities: [String] = []
    @Option(name: .customLong("large-community"), help: "A large community (65000:1:2); repeatable.") var largeCommunities: [String] = []
    @Option(help: "MULTI_EXIT_DISC.") var med: UInt32?
    @Option(help: "A lease: 30s, 5m, 1h or seconds.") var lease: String?

    func validate() throws {
        if let lease, Announce.seconds(lease) == nil { throw ValidationError("--lease is a duration such as 30s, 5m or 1h") }
    }

    static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let factor = units[unit] { return Int(text.dropLast()).map { $0 * factor } }
        return Int(text)
    }

    func run() async throws {
        let request = Announcement(
            prefix: prefix, owner: owner ?? ProcessInfo.processInfo.environment["USER"] ?? "peerlet", leaseSeconds: lease.flatMap(Announce.seconds),
            communities: communities, largeCommunities: largeCommunities, med: med)
        try await options.run("POST", "/v1/announcements", body: request, as: Announcement.self) { a, color in
            Render.announcements([a], color: color)
        }
    }
}

struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw a route announced through the API.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The prefix.") var prefix: String
    @Option(help: "The client that announced it (default: $USER).") var owner: String?
    func run() async throws {
        let owner = self.owner ?? ProcessInfo.processInfo.environment["USER"] ?? "peerlet"
        _ = try await APIClient(socketPath: options.socketPath).send(
            "DELETE", "/v1/announcements", query: ["prefix": prefix, "owner": owner], body: Optional<Int>.none)
        if options.json { print("{\"withdrawn\": \"\(prefix)\", \"owner\": \"\(owner)\"}") } else { print("withdrawn \(prefix) (\(owner))") }
    }
}

struct NeighborCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neighbor", abstract: "Act on a neighbour.", subcommands: [Reset.self])

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reset a session: hard (Cease, then a new session) or --soft (route refresh in, table out again).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The neighbour's address.") var address: String
        @Flag(help: "Keep the session: ask for a route refresh and send our routes again.") var soft = false
        func run() async throws {
            try await options.run(
                "POST", "/v1/neighbors/\(address)/reset", body: ResetRequest(soft: soft), as: [String: String].self
            ) { answer, _ in "\(answer["reset"] ?? "") reset of \(answer["neighbor"] ?? address)\n" }
        }
    }
}

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reload peerletd's configuration file: unchanged sessions stay up; policies apply in place.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Only show what would change, and which sessions would reset.") var dryRun = false
    func run() async throws {
        try await options.run("POST", "/v1/reload", body: ReloadRequest(dryRun: dryRun), as: ReloadReport.self, render: Render.reload)
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Follow session and route changes as they happen (Ctrl-C to stop).")
    @OptionGroup var options: GlobalOptions
    func run() async throws {
        let decoder = JSONDecoder()
        let color = options.color
        try await APIClient(socketPath: options.socketPath).stream("/v1/events") { line in
            if options.json {
                print(String(decoding: line, as: UTF8.self))
            } else if let event = try? decoder.decode(Event.self, from: line) {
                print(Render.event(event, color: color), terminator: "")
            }
            fflush(nil)  // every stream: a line is out as soon as it comes
        }
    }
}
