import KafkaClient

/// An error handler's decisions for one sequential consumer, as its containers take them (the same
/// ``FailureTracker``), for tools that drive a listener without a container (`KafkaListenersTesting`'s kit).
///
/// The caller supplies the time, so back-off waits can be accounted for without being slept.
package struct ErrorHandlerDecisions: Sendable {
    /// What to do with a record whose listener call just failed.
    package enum Decision: Sendable, Equatable {
        /// Deliver it again after `after`; `attempt` is the number of the attempt that failed.
        case retry(after: Duration, attempt: Int)
        /// Retrying is over: hand it to the recoverer now.
        case recover(attempts: Int)
    }

    private let handler: ErrorHandler
    private var tracker: FailureTracker

    /// The decisions of `handler`.
    package init(_ handler: ErrorHandler) {
        self.handler = handler
        self.tracker = FailureTracker(scope: .partition, backOff: handler.backOff)
    }

    /// The listener failed on `record` with `error` at `now` (the handler's `isRetryable` decides whether
    /// the back-off is asked at all).
    package mutating func failed(_ record: ConsumerRecord, error: any Error, now: ContinuousClock.Instant) -> Decision {
        let retryable = handler.isRetryable(error)
        switch tracker.failed(RecordKey(record), error: error, retryable: retryable, now: now) {
        case .retry(let delay, let attempt): return .retry(after: delay, attempt: attempt)
        case .recover(let attempts): return .recover(attempts: attempts)
        case .retryRecovery: return .recover(attempts: tracker.attempts(of: RecordKey(record)))
        }
    }

    /// The listener handled `record`.
    package mutating func succeeded(_ record: ConsumerRecord) { tracker.succeeded(RecordKey(record)) }

    /// The recoverer handled `record`.
    package mutating func recovered(_ record: ConsumerRecord) { tracker.recovered(RecordKey(record)) }
}
