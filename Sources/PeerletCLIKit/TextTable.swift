// SPDX-License-Identifier: Apache-2.0
// Peerlet: a BGP-4 speaker for direct-routed container hosts.

/// An aligned text table in the spirit of `birdc` and `gobgp`: a header row, columns padded to their widest
/// cell, two spaces between columns, no trailing spaces. Colour (ANSI) wraps a cell after padding, so it never
/// shifts the alignment.
public struct TextTable: Sendable {
    /// The column titles.
    public var header: [String]
    /// The rows, each with one cell per column.
    public var rows: [[Cell]] = []

    /// A cell: its text and an optional colour.
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var text: String
        public var color: Color?

        public init(_ text: String, color: Color? = nil) {
            self.text = text
            self.color = color
        }

        public init(stringLiteral value: String) { self.init(value) }
    }

    /// The colours used.
    public enum Color: String, Sendable {
        case green = "32"
        case yellow = "33"
        case red = "31"
        case dim = "2"
    }

    /// Creates an empty table.
    public init(_ header: [String]) { self.header = header }

    /// Adds a row.
    public mutating func append(_ cells: [Cell]) { rows.append(cells) }

    /// The table as lines; `color` adds ANSI escapes (only on a terminal).
    public func render(color: Bool = false) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.text.count) }
        }
        func line(_ cells: [Cell]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let last = index == cells.count - 1
                let padded = last ? cell.text : cell.text.padded(to: widths[index])
                if color, let c = cell.color {
                    parts.append("\u{1B}[\(c.rawValue)m" + cell.text + "\u{1B}[0m" + String(repeating: " ", count: padded.count - cell.text.count))
                } else {
                    parts.append(padded)
                }
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(header.map { Cell($0) })] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

extension String {
    /// Pads (never truncates) to `length` characters.
    func padded(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
