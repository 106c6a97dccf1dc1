import Logging
import Synchronization

/// A log handler that keeps every line, for tests that check what was logged.
final class LogCapture: LogHandler, Sendable {
    /// One captured line.
    struct Line: Sendable, CustomStringConvertible {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        var description: String { "[\(level)] \(message)" }
    }

    let lines = Mutex<[Line]>([])
    private let levelBox = Mutex<Logger.Level>(.info)

    /// A logger writing to this capture.
    func logger(_ label: String) -> Logger { Logger(label: label) { _ in self } }

    /// The captured lines at `level` or above.
    func lines(atLeast level: Logger.Level) -> [Line] { lines.withLock { $0.filter { $0.level >= level } } }

    var logLevel: Logger.Level {
        get { levelBox.withLock { $0 } }
        set { levelBox.withLock { $0 = newValue } }
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
        lines.withLock { $0.append(Line(level: event.level, message: event.message.description, metadata: flat)) }
    }
}
