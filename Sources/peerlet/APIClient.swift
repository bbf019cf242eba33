// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PeerletAPI

/// One request to the daemon's API over its unix socket (AsyncHTTPClient's `http+unix` URLs). A problem answer
/// is printed and ends the program with exit code 1; an unreachable daemon with 2.
struct APIClient {
    let socketPath: String

    func send(_ method: String, _ path: String, query: [String: String?], body: (some Encodable)?) async throws -> Data {
        var components = URLComponents()
        let items = query.compactMap { key, value in value.map { URLQueryItem(name: key, value: $0) } }.sorted { $0.name < $1.name }
        components.queryItems = items.isEmpty ? nil : items
        let uri = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)! + (components.percentEncodedQuery.map { "?" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? "")
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else { throw ValidationError("bad socket path \(socketPath)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response: HTTPClientResponse
        var collected = ByteBuffer()
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            collected = try await response.body.collect(upTo: 256 << 20)
        } catch {
            FileHandle.standardError.write(Data("peerlet: cannot reach peerletd at \(socketPath): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let data = Data(collected.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            if let problem = try? JSONDecoder().decode(Problem.self, from: data) {
                FileHandle.standardError.write(Data("peerlet: \(problem.detail) (\(problem.status) \(problem.title))\n".utf8))
            } else {
                FileHandle.standardError.write(Data("peerlet: the daemon answered \(response.status.code)\n".utf8))
            }
            throw ExitCode(1)
        }
        return data
    }

    /// Reads a stream of lines (NDJSON) until the daemon closes it or the program is interrupted.
    func stream(_ path: String, onLine: (Data) throws -> Void) async throws {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else { throw ValidationError("bad socket path \(socketPath)") }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .hours(24 * 365))
        } catch {
            FileHandle.standardError.write(Data("peerlet: cannot reach peerletd at \(socketPath): \(error)\n".utf8))
            throw ExitCode(2)
        }
        var pending = Data()
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: 0x0A) {
                try onLine(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
    }
}
