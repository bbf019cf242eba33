// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An error answer: an RFC 9457 problem object (`application/problem+json`).
public struct Problem: Codable, Hashable, Sendable, Error {
    /// A URI naming the kind of problem (`https://peerlet.dev/problems/<kind>`).
    public var type: String
    /// A short summary of the kind.
    public var title: String
    /// The HTTP status.
    public var status: Int
    /// What went wrong this time, for a person.
    public var detail: String

    /// Creates a problem of `kind` (the last part of its type URI).
    public init(kind: String, title: String, status: Int, detail: String) {
        self.type = "https://peerlet.dev/problems/\(kind)"
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// 400: a parameter or body that does not parse.
    public static func badRequest(_ detail: String) -> Problem { Problem(kind: "bad-request", title: "Bad request", status: 400, detail: detail) }
    /// 404: no such neighbour, announcement or route.
    public static func notFound(_ detail: String) -> Problem { Problem(kind: "not-found", title: "Not found", status: 404, detail: detail) }
    /// 409: the request conflicts with the state (a prefix the configuration already originates).
    public static func conflict(_ detail: String) -> Problem { Problem(kind: "conflict", title: "Conflict", status: 409, detail: detail) }
    /// 422: well-formed but refused (a bad config on reload).
    public static func unprocessable(_ detail: String) -> Problem {
        Problem(kind: "unprocessable", title: "Unprocessable request", status: 422, detail: detail)
    }
}
