import KafkaClient
import Synchronization

/// The secret values this process was given (from `--command-config` or `-X`), kept out of every line it writes to stderr.
///
/// Errors and log lines are built without secrets already; this is the last filter before stderr, in case a
/// library error quotes a value it was given.
package enum OutputRedaction {
    private static let secrets = Mutex<[String]>([])

    /// Adds `values` to the secrets to redact.
    package static func register(_ values: [String]) {
        guard !values.isEmpty else { return }
        secrets.withLock { known in
            for value in values where !known.contains(value) { known.append(value) }
        }
    }

    /// `text` with every registered secret, and every secret `key=value`, redacted.
    package static func redact(_ text: String) -> String {
        SecretRedaction.redact(text, secrets: secrets.withLock { $0 })
    }
}
