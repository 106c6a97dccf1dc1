import Foundation
import KafkaListenersCLICore

/// Writing to stdout and stderr.
enum Terminal {
    /// Prints `line` on stdout, unbuffered, so a reader of a pipe sees it at once.
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes `text` on stdout as it is (no newline added), unbuffered.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Prints `line` on stderr, with every secret this process was given redacted (``OutputRedaction``).
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((OutputRedaction.redact(line) + "\n").utf8))
    }

    /// Prints `kafka-listeners: <message>` on stderr and exits with `code`.
    static func fail(_ message: String, code: Int32) -> Never {
        printError("kafka-listeners: \(message)")
        exit(code)
    }

    /// Prints `value` as one line of JSON (keys sorted).
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Prints rows as a table with left-aligned columns separated by two spaces.
    static func printTable(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}
