// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Foundation
import Hummingbird
import PeerletAPI

/// The `/v1` resources, each a thin call into `PeerletService` (docs/operations.md lists them with examples).
struct APIRoutes: Sendable {
    let service: any PeerletService

    func register(on router: Router<BasicRequestContext>) {
        let v1 = router.group("v1")
        v1.get("status") { _, _ in JSONAnswer.response(try await service.status()) }
        v1.get("neighbors") { _, _ in JSONAnswer.response(try await service.neighbors()) }
        v1.get("neighbors/:address") { _, context in
            JSONAnswer.response(try await service.neighbor(try context.parameters.require("address")))
        }
        v1.post("neighbors/:address/reset") { request, context in
            let address = try context.parameters.require("address")
            let body = try await Self.optionalBody(ResetRequest.self, request, context) ?? ResetRequest(soft: false)
            try await service.reset(neighbor: address, soft: body.soft)
            return JSONAnswer.response(["neighbor": address, "reset": body.soft ? "soft" : "hard"])
        }
        v1.get("routes") { request, _ in
            JSONAnswer.response(try await service.routes(try Self.routeQuery(Self.parameters(request))))
        }
        v1.get("fib") { request, _ in
            JSONAnswer.response(try await service.fib(prefix: request.uri.queryParameters["prefix"].map(String.init)))
        }
        v1.get("explain") { request, _ in
            guard let prefix = request.uri.queryParameters["prefix"] else { throw Problem.badRequest("explain needs ?prefix=") }
            return JSONAnswer.response(try await service.explain(String(prefix)))
        }
        v1.post("reload") { request, context in
            let body = try await Self.optionalBody(ReloadRequest.self, request, context) ?? ReloadRequest(dryRun: false)
            return JSONAnswer.response(try await service.reload(dryRun: body.dryRun))
        }
        v1.get("events") { _, _ in
            let stream = service.events()
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    for await event in stream {
                        var line = try encoder.encode(event)
                        line.append(0x0A)
                        try await writer.write(ByteBuffer(bytes: line))
                    }
                    try await writer.finish(nil)
                })
        }
        v1.get("announcements") { _, _ in JSONAnswer.response(try await service.announcements()) }
        v1.post("announcements") { request, context in
            let announcement = try await request.decode(as: Announcement.self, context: context)
            return JSONAnswer.response(try await service.announce(announcement), status: .created)
        }
        v1.delete("announcements") { request, _ in
            let query = request.uri.queryParameters
            guard let prefix = query["prefix"], let owner = query["owner"] else {
                throw Problem.badRequest("withdrawing needs ?prefix= and &owner=")
            }
            try await service.withdraw(prefix: String(prefix), owner: String(owner))
            return Response(status: .noContent)
        }
    }

    /// A JSON body if there is one.
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BasicRequestContext) async throws -> T? {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        guard body.readableBytes > 0 else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }

    /// The query parameters (the last value of each).
    static func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { out[String(key)] = String(value) }
        return out
    }

    static func routeQuery(_ query: [String: String]) throws -> RouteQuery {
        var result = RouteQuery()
        result.prefix = query["prefix"]
        result.neighbor = query["neighbor"]
        result.family = query["family"]
        if let family = result.family, family != "ipv4", family != "ipv6" { throw Problem.badRequest("family is ipv4 or ipv6, not \(family)") }
        if let longer = query["longer"] { result.longer = longer == "true" || longer == "1" || longer.isEmpty }
        if let view = query["view"] {
            guard let parsed = RouteQuery.View(rawValue: view) else {
                throw Problem.badRequest("view is one of \(RouteQuery.View.allCases.map(\.rawValue).joined(separator: ", ")), not \(view)")
            }
            result.view = parsed
        }
        if let limit = query["limit"] {
            guard let value = Int(limit), value > 0 else { throw Problem.badRequest("limit is a positive number, not \(limit)") }
            result.limit = value
        }
        return result
    }
}
