// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Foundation
import Hummingbird
import PeerletAPI

/// Turns every failure into an RFC 9457 problem object: a `Problem` as it is, Hummingbird's own errors (no such
/// path, a wrong method, a body that does not decode) with their status, anything else as a 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return Self.response(problem)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            let detail = error.body ?? (status == 404 ? "no such resource: \(request.method) \(request.uri.path)" : "\(error.status.reasonPhrase)")
            let kind = status == 404 ? "not-found" : status == 405 ? "method-not-allowed" : status < 500 ? "bad-request" : "internal"
            return Self.response(Problem(kind: kind, title: error.status.reasonPhrase, status: status, detail: detail))
        } catch is DecodingError {
            return Self.response(.badRequest("the body is not the JSON this endpoint takes"))
        } catch {
            return Self.response(Problem(kind: "internal", title: "Internal error", status: 500, detail: "\(error)"))
        }
    }

    static func response(_ problem: Problem) -> Response {
        var response = JSONAnswer.response(problem, status: HTTPResponse.Status(code: problem.status))
        response.headers[.contentType] = "application/problem+json"
        return response
    }
}

/// JSON answers: sorted keys, pretty-printed (people read them with curl too), a final newline.
enum JSONAnswer {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        data.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
