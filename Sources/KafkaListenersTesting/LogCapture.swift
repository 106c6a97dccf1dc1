import Logging
import Synchronization

/// A log handler that keeps every line, for tests that check what was logged (or that a secret never was).
public final class LogCapture: LogHandler, Sendable {
    /// One captured line.
    public struct Line: Sendable, CustomStringConvertible {
        /// Its level.
        public var level: Logger.Level
        /// Its message.
        public var message: String
        /// Its metadata, each value as text.
        public var metadata: [String: String]

        public var description: String { "[\(level)] \(message)" }
    }

    /// Every line captured so far, in order.
    public let lines = Mutex<[Line]>([])
    private let levelBox: Mutex<Logger.Level>

    /// A capture that keeps lines at `level` and above.
    public init(level: Logger.Level = .info) {
        levelBox = Mutex(level)
    }

    /// A logger writing to this capture.
    public func logger(_ label: String) -> Logger { Logger(label: label) { _ in self } }

    /// The captured lines at `level` or above.
    public func lines(atLeast level: Logger.Level) -> [Line] { lines.withLock { $0.filter { $0.level >= level } } }

    public var logLevel: Logger.Level {
        get { levelBox.withLock { $0 } }
        set { levelBox.withLock { $0 = newValue } }
    }

    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public func log(event: LogEvent) {
        let flat = (event.metadata ?? [:]).mapValues { "\($0)" }
        lines.withLock { $0.append(Line(level: event.level, message: event.message.description, metadata: flat)) }
    }
}
