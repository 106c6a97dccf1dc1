import Foundation
import KafkaClient

/// A failure the CLI reports as one line on stderr, with an exit code.
struct CLIFailure: Error {
    /// The line to print (without the `kafka-listeners:` prefix).
    var message: String
    /// The process's exit code; 1 unless a command says otherwise.
    var exitCode: Int32 = 1

    /// A one-line description of a ``KafkaError``: what the CLI was doing, then why it failed.
    static func describe(_ error: KafkaError) -> String {
        var text = error.kind == .invalidTopicName ? error.message : "cannot \(error.operation): \(error.message)"
        if let codeName = error.codeName, !text.contains(codeName) { text += " [\(codeName)]" }
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// Writing to stdout and stderr.
enum Terminal {
    /// Prints `line` on stdout, unbuffered, so a reader of a pipe sees it at once.
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints `line` on stderr.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
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
