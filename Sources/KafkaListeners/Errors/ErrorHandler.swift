import KafkaClient

/// What a container does when a listener call throws: retry the record after a back-off, then recover it
/// (Spring-Kafka's `DefaultErrorHandler`).
///
/// Retries never block the poll loop: the failed record's partition is sought back to it and paused for the
/// back-off, and other partitions keep flowing (in a per-partition container only the failed record's lane
/// — its partition, or its key — waits). Errors that ``isRetryable`` rejects go to the recoverer at once.
/// A record the recoverer handled counts as processed, so the offset is committed past it; if the recoverer
/// throws, the record is not committed past and recovery is tried again after the back-off's last delay.
public struct ErrorHandler: Sendable {
    /// The waits between attempts, and when to stop retrying.
    public var backOff: BackOff
    /// Whether an error is worth retrying; by default every error except ``NotRetryableError`` ones.
    public var isRetryable: @Sendable (Error) -> Bool
    /// What happens to a record once retrying stopped.
    public var recoverer: Recoverer
    /// Whether records handed to a record listener carry their delivery attempt (Spring-Kafka's
    /// `deliveryAttemptHeader`).
    public var deliveryAttemptHeader: DeliveryAttemptHeader = .omitted

    /// Creates an error handler.
    public init(
        backOff: BackOff = .fixed(.zero, maxAttempts: 10), recoverer: Recoverer = .logAndSkip,
        isRetryable: @escaping @Sendable (Error) -> Bool = ErrorHandler.defaultIsRetryable
    ) {
        self.backOff = backOff
        self.isRetryable = isRetryable
        self.recoverer = recoverer
    }

    /// Spring-Kafka's default: ten attempts without delay, then the record is logged and skipped.
    public static let `default` = ErrorHandler()

    /// Everything is retryable except errors that conform to ``NotRetryableError``.
    public static let defaultIsRetryable: @Sendable (Error) -> Bool = { !($0 is any NotRetryableError) }

    /// Treats errors of these types (checked with `is`) as not retryable as well, keeping the rest of the rule.
    public func notRetrying(_ check: @escaping @Sendable (Error) -> Bool) -> ErrorHandler {
        var copy = self
        let previous = isRetryable
        copy.isRetryable = { previous($0) && !check($0) }
        return copy
    }
}

/// Whether a record listener's records carry `kafka_deliveryAttempt`: a 4-byte big-endian count of the
/// deliveries of this record to this listener so far, this one included (1 unless it failed before and is retried
/// in place). Read it with `DeadLetterInfo`'s integer rules or ``DeliveryAttemptHeader/attempt(of:)``.
public enum DeliveryAttemptHeader: Sendable, Hashable {
    /// No header (the default: it costs a header per record).
    case omitted
    /// Each record carries `kafka_deliveryAttempt`.
    case added

    /// The delivery attempt a record carries, if it does.
    public static func attempt(of record: ConsumerRecord) -> Int32? {
        guard let bytes = record.headers.last(where: { $0.key == DeadLetterHeaders.deliveryAttempt })?.value,
            let value = RetryTopicHeaders.integer(bytes)
        else { return nil }
        return Int32(exactly: value)
    }

    /// `record` with its delivery attempt header set to `attempt`.
    static func adding(_ attempt: Int, to record: ConsumerRecord) -> ConsumerRecord {
        var record = record
        var headers = record.headers.filter { $0.key != DeadLetterHeaders.deliveryAttempt }
        headers.append(
            RecordHeader(
                key: DeadLetterHeaders.deliveryAttempt, value: DeadLetterHeaders.bigEndian(Int32(clamping: attempt))))
        record.headers = headers
        return record
    }
}

/// An error that retrying cannot fix (a payload that does not parse, a validation failure): the error
/// handler skips its retries and recovers the record at once.
public protocol NotRetryableError: Error {}

/// What the error handler does with a record it stopped retrying.
public enum Recoverer: Sendable {
    /// Log it and go on (the offset is committed past it).
    case logAndSkip
    /// Publish it to a dead-letter topic, then go on; see ``DeadLetterPublisher``.
    case deadLetter(DeadLetterPublisher)
    /// Stop the container; the record is not committed past, so it is delivered again after a restart.
    case stopContainer
    /// Custom code; throwing means the record was not recovered (it is not committed past).
    case custom(@Sendable (_ record: ConsumerRecord, _ error: Error, _ attempts: Int) async throws -> Void)
}

/// Thrown by a batch listener to say which record of the batch failed: the records before it count as
/// processed, and the failed one is retried (then recovered) on its own; the records after it are
/// delivered again. Any other error from a batch listener retries (then recovers) the whole batch.
public struct BatchListenerFailedError: Error, Sendable, CustomStringConvertible {
    /// The position of the failed record in the batch.
    public var index: Int
    /// What went wrong.
    public var cause: any Error

    /// Creates the error for the record at `index`.
    public init(index: Int, cause: any Error) {
        self.index = index
        self.cause = cause
    }

    public var description: String { "record \(index) of the batch failed: \(cause)" }
}
