// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Foundation
public import Hummingbird
public import Logging
public import PeerletAPI

/// The REST/JSON API on a unix socket (the Docker and Cilium convention: `curl --unix-socket`), served by
/// Hummingbird. Paths are versioned (`/v1/...`); answers are JSON with sorted keys; failures are RFC 9457 problem
/// objects with the right status. The socket is created with `mode` (0660 by default) and, when given, `group`,
/// so that access is granted by group membership; a stale socket file from a previous run is replaced.
public enum APIServer {
    /// The API as a Hummingbird application over `service`, bound to `socketPath`.
    public static func application(
        service: any PeerletService, socketPath: String, mode: Int = 0o660, group: String? = nil, logger: Logger
    ) throws -> some ApplicationProtocol {
        try prepareSocket(at: socketPath)
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        APIRoutes(service: service).register(on: router)
        return Application(
            router: router, configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "peerletd"),
            onServerRunning: { _ in
                // The socket exists once the server runs: restrict it before anyone relies on it.
                chmod(socketPath, mode_t(mode))
                if let group, let entry = getgrnam(group) { chown(socketPath, uid_t.max, entry.pointee.gr_gid) }
                logger.notice("API listening on unix:\(socketPath)")
            },
            logger: logger)
    }

    /// Creates the socket's directory and removes a socket left by an earlier run (never a regular file).
    static func prepareSocket(at path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else { throw Problem.conflict("\(path) exists and is not a socket") }
            unlink(path)
        }
    }
}
