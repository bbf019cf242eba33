// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import ArgumentParser
import BGPConfig
import BGPDaemon
import PeerletServer
import Foundation
import Logging
import Metrics
import NIOPosix
import PeerletAPI
import Prometheus
import UnixSignals
import ServiceLifecycle

/// `peerletd`: the Peerlet BGP daemon.
@main
struct Peerletd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peerletd",
        abstract: "Peerlet BGP-4 daemon for direct-routed container hosts.",
        version: PeerletVersion.string)

    @Option(name: .long, help: "The configuration file (YAML).")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Check a configuration file, print every error as file:line:column, and exit.")
    var checkConfig: String?

    @Option(name: .customLong("log-level"), help: "Override the configured log level (trace, debug, info, notice, warning, error).")
    var logLevel: String?

    func run() async throws {
        if let path = checkConfig {
            _ = try Self.load(path)
            print("\(path): configuration OK")
            return
        }
        guard let path = config else {
            throw ValidationError("give --config FILE (or --check-config FILE)")
        }
        let daemonConfig = try Self.load(path)
        let level = Logger.Level(rawValue: logLevel ?? daemonConfig.log.level) ?? .info
        let json = daemonConfig.log.format == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "peerletd")
        // Metrics first: the services create theirs as they start.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let speaker = BGPSpeaker(config: daemonConfig, eventLoop: group.next(), logger: logger)
        do {
            try await speaker.start()
        } catch let error as StartupError {
            Self.fail(error.description)
        }
        logger.notice("peerletd \(PeerletVersion.string) started: router-id \(daemonConfig.routerID), AS \(daemonConfig.localAS), \(daemonConfig.neighbors.count) neighbors")
        let apiLogger = BGPSpeaker.logger(logger, "api", daemonConfig)
        var services: [any Service] = [speaker, ReloadOnHangup(speaker: speaker, path: path, logger: logger)]
        if daemonConfig.api.enabled {
            do {
                services.append(try APIServer.application(
                    service: DaemonAPI(speaker: speaker, configPath: path), socketPath: daemonConfig.api.socket, mode: daemonConfig.api.mode,
                    group: daemonConfig.api.group, logger: apiLogger))
            } catch {
                Self.fail("peerletd: cannot serve the API on \(daemonConfig.api.socket): \(error) (api.enabled: false to run without)")
            }
        }
        if daemonConfig.metrics.enabled {
            let metrics = DaemonMetrics(speaker: speaker)
            let server = MetricsServer.application(
                host: daemonConfig.metrics.host, port: daemonConfig.metrics.port, registry: registry, refresh: { await metrics.update() },
                logger: apiLogger)
            services.append(OptionalService(server: server, what: "metrics on \(daemonConfig.metrics.host):\(daemonConfig.metrics.port)", logger: apiLogger))
        }
        let serviceGroup = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await serviceGroup.run()
        try await group.shutdownGracefully()
        logger.notice("peerletd stopped")
    }

    /// Loads a configuration file or exits with every diagnostic on stderr.
    static func load(_ path: String) throws -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            fail("peerletd: cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try ConfigLoader.load(text, file: path, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            Foundation.exit(1)
        }
    }

    static func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data((line + "\n").utf8))
        Foundation.exit(1)
    }
}

/// A service whose failure (a metrics port already taken) is logged and does not stop the daemon: routing goes on.
struct OptionalService<Inner: Service>: Service {
    let server: Inner
    let what: String
    let logger: Logger

    func run() async throws {
        do {
            try await server.run()
        } catch {
            logger.error("\(what) unavailable: \(error); peerletd runs on without it")
            try? await gracefulShutdown()
        }
    }
}

/// SIGHUP reloads the configuration file, as `peerlet reload` does: a bad file is logged with every error and the
/// running configuration stays.
struct ReloadOnHangup: Service {
    let speaker: BGPSpeaker
    let path: String
    let logger: Logger

    func run() async throws {
        // Ends with the daemon's graceful shutdown (the signal sequence itself never ends).
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                _ = try await DaemonAPI.reload(speaker, from: path, dryRun: false)
            } catch let problem as Problem {
                logger.error("configuration not reloaded, the running one stays: \(problem.detail)")
            } catch {
                logger.error("configuration not reloaded, the running one stays: \(error)")
            }
        }
    }
}
