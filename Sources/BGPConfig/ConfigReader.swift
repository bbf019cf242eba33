// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

import Yams

/// Walks a YAML node tree, converting values and collecting diagnostics with their positions.
///
/// Every mapping is read through `fields(_:allowed:)`, which reports keys that are not in the schema as
/// errors (with the closest known key as a hint), so a typo never silently becomes a default.
final class ConfigReader {
    let file: String
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String) { self.file = file }

    func error(_ node: Node?, _ message: String, hint: String? = nil) {
        let mark = node?.mark
        diagnostics.append(
            ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message, hint: hint))
    }

    /// The entries of a mapping, in order, after checking every key against `allowed`.
    func fields(_ node: Node, _ what: String, allowed: [String]) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values")
            return [:]
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error(key, "keys in \(what) must be plain strings")
                continue
            }
            guard allowed.contains(name) else {
                let suggestion = Self.closest(to: name, in: allowed)
                error(
                    key, "unknown key '\(name)' in \(what)",
                    hint: suggestion.map { "did you mean '\($0)'?" } ?? "known keys: \(allowed.joined(separator: ", "))")
                continue
            }
            if result[name] != nil { error(key, "duplicate key '\(name)' in \(what)") }
            result[name] = value
        }
        return result
    }

    func sequence(_ node: Node, _ what: String) -> [Node] {
        // A key with no value (`neighbors:`) is YAML null: an empty list.
        if let scalar = node.scalar, ["", "~", "null"].contains(scalar.string), scalar.style == .plain { return [] }
        guard case .sequence(let seq) = node else {
            error(node, "\(what) must be a list")
            return []
        }
        return Array(seq)
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar else {
            error(node, "\(what) must be a single value")
            return nil
        }
        return scalar.string
    }

    /// Parses a scalar with `parse`, reporting `expected` when it fails.
    func value<T>(_ node: Node, _ what: String, expected: String, _ parse: (String) -> T?) -> T? {
        guard let text = string(node, what) else { return nil }
        guard let value = parse(text) else {
            error(node, "\(what): '\(text)' is not \(expected)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        value(node, what, expected: "true or false") { text in
            switch text.lowercased() {
            case "true", "yes", "on": true
            case "false", "no", "off": false
            default: nil
            }
        }
    }

    func integer<T: FixedWidthInteger>(_ node: Node, _ what: String, in range: ClosedRange<T>) -> T? {
        value(node, what, expected: "a whole number in \(range.lowerBound)...\(range.upperBound)") { text in
            guard let v = T(text), range.contains(v) else { return nil }
            return v
        }
    }

    /// Seconds as a number, or with a unit: `90`, `90s`, `5m`, `500ms`.
    func duration(_ node: Node, _ what: String, in range: ClosedRange<Duration>) -> Duration? {
        value(node, what, expected: "a duration such as 90, 90s, 2m or 500ms within \(range.lowerBound)...\(range.upperBound)") { text in
            let parsed: Duration?
            if text.hasSuffix("ms"), let v = Int(text.dropLast(2)) {
                parsed = .milliseconds(v)
            } else if text.hasSuffix("s"), let v = Int(text.dropLast()) {
                parsed = .seconds(v)
            } else if text.hasSuffix("m"), let v = Int(text.dropLast()) {
                parsed = .seconds(v * 60)
            } else if let v = Int(text) {
                parsed = .seconds(v)
            } else {
                parsed = nil
            }
            guard let parsed, range.contains(parsed) else { return nil }
            return parsed
        }
    }

    /// The allowed key closest to `name` by edit distance, if it is close enough to be a likely typo.
    static func closest(to name: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return nil }
        return best
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
