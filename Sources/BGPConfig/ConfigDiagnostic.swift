// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// One problem in a configuration file, located at `file:line:column`, with an optional hint.
public struct ConfigDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file name as given.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column.
    public var column: Int
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// Creates a diagnostic.
    public init(file: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: message` and, if any, `(hint: ...)` on the same line.
    public var description: String {
        "\(file):\(line):\(column): \(message)" + (hint.map { " (hint: \($0))" } ?? "")
    }
}

/// Every problem found in one configuration file. Loading reports all of them, not just the first.
public struct ConfigErrors: Error, Hashable, Sendable, CustomStringConvertible {
    /// The problems in file order.
    public var diagnostics: [ConfigDiagnostic]

    /// Creates the error.
    public init(_ diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
