// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

public import Hummingbird
public import Logging
public import Prometheus

/// Prometheus text exposition (`GET /metrics`, format 0.0.4) on a TCP address, loopback by default: what
/// swift-metrics recorded into `registry`, brought up to date by `refresh` before each scrape.
public enum MetricsServer {
    /// The metrics endpoint as a Hummingbird application.
    public static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () async -> Void, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            await refresh()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "peerletd"),
            onServerRunning: { _ in logger.notice("metrics on http://\(host.contains(":") ? "[\(host)]" : host):\(port)/metrics") },
            logger: logger)
    }
}
