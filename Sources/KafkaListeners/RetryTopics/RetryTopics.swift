import KafkaClient

/// Non-blocking retries through retry topics (Spring-Kafka's `@RetryableTopic`).
///
/// A record whose listener call fails is forwarded to a retry topic with a due time, and the main partition
/// moves on at once. A container of the same listener consumes the retry topic (its own group, `<group>-retry…`)
/// and holds each record back until it is due — by pausing the partition until then, never by sleeping — then
/// calls the listener again. After the last attempt the record goes to the dead-letter topic. Records in retry
/// topics are no longer in order with the rest of their key: use in-place retries (``ErrorHandler``) where per-key
/// order matters.
///
/// ```swift
/// Listen("orders", topics: "orders") { (order: Order, context) in try await ship(order) }
///     .retryTopics(RetryTopics(attempts: 4, backOff: .exponential(initial: .seconds(1), multiplier: 2, max: .seconds(30))))
/// ```
public struct RetryTopics: Sendable {
    /// The waits between attempts: one retry topic per distinct wait.
    public enum BackOff: Sendable, Hashable {
        /// The same wait before every retry; one retry topic is reused for all of them.
        case fixed(Duration)
        /// `initial`, then each wait `multiplier` times the previous one, at most `max`; one retry topic per wait.
        case exponential(initial: Duration, multiplier: Double, max: Duration)
    }

    /// How retry topics are named after the main topic.
    public enum Naming: Sendable, Hashable {
        /// `<topic><retrySuffix>-<wait in ms>` (Spring's default); waits that repeat share a topic.
        case delayValue
        /// `<topic><retrySuffix>-<index>`, from 0.
        case indexValue
    }

    /// What happens after the last attempt.
    public enum DeadLetter: Sendable {
        /// The record goes to `<topic><dltSuffix>`; with `handler`, a container of its own calls it there, started
        /// with the listener unless `autoStart` is `false` (Spring's `autoStartDltHandler`; start it by its id,
        /// `<id><dltSuffix>`).
        case enabled(handler: Listener.RecordHandler? = nil, autoStart: Bool = true)
        /// The record is logged and dropped.
        case disabled
    }

    /// Attempts in all, the first one (on the main topic) included; at least 2.
    public var attempts: Int
    /// The waits between attempts.
    public var backOff: BackOff
    /// Retry topic names.
    public var naming: Naming
    /// Appended to the main topic's name for retry topics (`-retry`).
    public var retrySuffix: String
    /// Appended to the main topic's name for the dead-letter topic (`-dlt`).
    public var deadLetterSuffix: String
    /// The dead-letter topic and its handler.
    public var deadLetter: DeadLetter
    /// Whether an error is worth retrying; the others go to the dead-letter topic at once. By default every error
    /// except ``NotRetryableError`` ones (deserialization failures among them).
    public var isRetryable: @Sendable (any Error) -> Bool
    /// Partitions of each retry and dead-letter topic created at start (when missing).
    public var topicPartitions: Int32
    /// Replicas of each retry and dead-letter topic created at start (`nil`: the broker's default).
    public var replicationFactor: Int32?

    /// Configures retry topics.
    public init(
        attempts: Int = 3, backOff: BackOff = .fixed(.seconds(1)), naming: Naming = .delayValue,
        retrySuffix: String = "-retry", deadLetterSuffix: String = "-dlt", deadLetter: DeadLetter = .enabled(),
        topicPartitions: Int32 = 1, replicationFactor: Int32? = nil,
        isRetryable: @escaping @Sendable (any Error) -> Bool = ErrorHandler.defaultIsRetryable
    ) {
        self.attempts = attempts
        self.backOff = backOff
        self.naming = naming
        self.retrySuffix = retrySuffix
        self.deadLetterSuffix = deadLetterSuffix
        self.deadLetter = deadLetter
        self.isRetryable = isRetryable
        self.topicPartitions = topicPartitions
        self.replicationFactor = replicationFactor
    }

    /// The wait before retry number `retry` (1 for the first retry), without randomness: each retry topic has one.
    func delay(beforeRetry retry: Int) -> Duration {
        switch backOff {
        case .fixed(let wait):
            return max(wait, .zero)
        case .exponential(let initial, let multiplier, let maximum):
            let growth = ExponentialGrowth(initial: initial, multiplier: multiplier, maxInterval: maximum)
            return growth.delay(attempt: retry, factor: 1)
        }
    }
}
