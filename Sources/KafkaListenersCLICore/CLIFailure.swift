import Foundation
import KafkaClient

/// A failure the CLI reports as one line on stderr, with an exit code.
package struct CLIFailure: Error {
    /// The line to print (without the `kafka-listeners:` prefix).
    package var message: String
    /// The process's exit code; 1 unless a command says otherwise.
    package var exitCode: Int32 = 1

    /// A failure with `message` and `exitCode`.
    package init(message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// A one-line description of a ``KafkaError``: what the CLI was doing, then why it failed.
    package static func describe(_ error: KafkaError) -> String {
        var text = error.kind == .invalidTopicName ? error.message : "cannot \(error.operation): \(error.message)"
        if let codeName = error.codeName, !text.contains(codeName) { text += " [\(codeName)]" }
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
