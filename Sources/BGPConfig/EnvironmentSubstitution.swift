// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// `${NAME}` in a configuration file is replaced by the environment variable NAME before parsing, so secrets (a
/// TCP MD5 password from a Kubernetes Secret) need not be written into the file. `$$` is a literal `$`. A
/// variable that is not set is an error at its line and column, never an empty string. Pure: the caller passes
/// the environment.
public enum EnvironmentSubstitution {
    /// `text` with every `${NAME}` replaced from `environment`.
    public static func apply(_ text: String, environment: [String: String], file: String) throws(ConfigErrors) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var errors: [ConfigDiagnostic] = []
        var line = 1
        var column = 1
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "$", text.index(after: index) < text.endIndex {
                let next = text[text.index(after: index)]
                if next == "$" {
                    out.append("$")
                    index = text.index(index, offsetBy: 2)
                    column += 2
                    continue
                }
                if next == "{", let close = text[index...].firstIndex(of: "}") {
                    let name = String(text[text.index(index, offsetBy: 2)..<close])
                    let valid = !name.isEmpty && name.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) } && !name.first!.isNumber
                    if valid {
                        if let value = environment[name] {
                            out += value
                        } else {
                            errors.append(ConfigDiagnostic(
                                file: file, line: line, column: column, message: "environment variable \(name) is not set",
                                hint: "set it, or write $$ for a literal $"))
                        }
                        column += text.distance(from: index, to: close) + 1
                        index = text.index(after: close)
                        continue
                    }
                }
            }
            out.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index = text.index(after: index)
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return out
    }
}

extension ConfigLoader {
    /// Substitutes `${NAME}` from `environment`, then parses and validates: what peerletd does at start and at
    /// each reload.
    public static func load(_ text: String, file: String, environment: [String: String]) throws(ConfigErrors) -> DaemonConfig {
        try load(EnvironmentSubstitution.apply(text, environment: environment, file: file), file: file)
    }
}
