import KafkaClient

/// The error handler's decisions for every kind of container: how often each failing record failed, how long
/// to wait before the next attempt, when retrying is over and the recoverer takes the record, and what to do
/// after a recovery that failed.
///
/// A value type with no clock and no user code: the time and whether an error is retryable (the handler's
/// `isRetryable`, evaluated by the caller outside any lock) are inputs. The I/O layer carries a decision out
/// in its own way — a sequential container seeks the partition back and pauses it for the wait, a
/// per-partition lane waits itself — but the decision is the same.
///
/// Failures are keyed by the failing record. A sequential container is stuck on at most one record per
/// partition (``Scope/partition``): a new failure or a success on a partition forgets the partition's other
/// failures. Per-partition lanes may fail on several records of one partition at once (``Scope/record``).
struct FailureTracker: Sendable {
    /// How many failing records one partition may have at once.
    enum Scope: Sendable {
        /// One: the record a sequential container is stuck on.
        case partition
        /// Any number: one per lane of a per-partition container.
        case record
    }

    /// What the container must do with a record that is about to be delivered.
    enum Delivery: Sendable {
        /// Call the listener.
        case invokeListener
        /// Its retries are over and its recovery failed before: hand it to the recoverer again, not to the listener.
        case recover(error: any Error, attempts: Int)
    }

    /// What the container must do with a record whose listener call or recovery just failed.
    enum Decision: Sendable, Equatable {
        /// Deliver it again after `after`; `attempt` is the number of the attempt that failed.
        case retry(after: Duration, attempt: Int)
        /// Retrying is over: hand it to the recoverer now.
        case recover(attempts: Int)
        /// The recoverer failed: try recovering again after `after` (the record is not committed past).
        case retryRecovery(after: Duration)
    }

    /// One failing record.
    private struct Failure: Sendable {
        enum Phase: Sendable {
            /// The listener is tried again after back-offs.
            case retrying
            /// Retries are over and the recoverer failed: the next delivery goes to the recoverer.
            case recoveryFailed
        }

        var attempts: Int
        var firstAt: ContinuousClock.Instant
        var lastError: any Error
        var phase = Phase.retrying
    }

    let scope: Scope
    let backOff: BackOff
    /// The wait before a failed recovery is tried again.
    let recoveryRetryDelay: Duration
    private var failing: [RecordKey: Failure] = [:]

    init(scope: Scope, backOff: BackOff, recoveryRetryDelay: Duration = .seconds(1)) {
        self.scope = scope
        self.backOff = backOff
        self.recoveryRetryDelay = recoveryRetryDelay
    }

    /// Whether no record is failing (the happy path checks this once per poll, not per record).
    var isEmpty: Bool { failing.isEmpty }

    /// The failed attempts of `key` so far (0 when it is not failing).
    func attempts(of key: RecordKey) -> Int { failing[key]?.attempts ?? 0 }

    /// The records failing now.
    var failingRecords: Set<RecordKey> { Set(failing.keys) }

    /// A record comes up for handling: call the listener, or go straight to the recoverer if its recovery
    /// failed before.
    func delivering(_ key: RecordKey) -> Delivery {
        guard let failure = failing[key], failure.phase == .recoveryFailed else { return .invokeListener }
        return .recover(error: failure.lastError, attempts: failure.attempts)
    }

    /// The listener handled `key`: it is no longer failing (with ``Scope/partition``, nor is any other record
    /// of its partition: the container has moved past them).
    mutating func succeeded(_ key: RecordKey) {
        guard !failing.isEmpty else { return }
        failing[key] = nil
        if scope == .partition { forget(key.tp) }
    }

    /// The listener failed on `key` with an error the handler does (`retryable`) or does not want retried;
    /// returns whether to retry it after a wait or to recover it now.
    mutating func failed(_ key: RecordKey, error: any Error, retryable: Bool, now: ContinuousClock.Instant) -> Decision
    {
        if scope == .partition { forget(key.tp, except: key.offset) }
        var failure = failing[key] ?? Failure(attempts: 0, firstAt: now, lastError: error)
        failure.attempts = failure.attempts.addingReportingOverflow(1).overflow ? .max : failure.attempts + 1
        failure.lastError = error
        failing[key] = failure
        guard retryable, failure.phase == .retrying,
            let delay = backOff.delay(attempt: failure.attempts, elapsed: now - failure.firstAt)
        else { return .recover(attempts: failure.attempts) }
        return .retry(after: max(delay, .zero), attempt: failure.attempts)
    }

    /// The recoverer handled `key`: it counts as processed and is no longer failing.
    mutating func recovered(_ key: RecordKey) {
        failing[key] = nil
    }

    /// The recoverer failed on `key` (a record that failed with `error` before): it stays failing, and its next
    /// delivery goes to the recoverer again after ``recoveryRetryDelay``.
    mutating func recoveryFailed(
        _ key: RecordKey, error: any Error, attempts: Int, now: ContinuousClock.Instant
    ) -> Decision {
        if scope == .partition { forget(key.tp, except: key.offset) }
        var failure = failing[key] ?? Failure(attempts: attempts, firstAt: now, lastError: error)
        failure.phase = .recoveryFailed
        failing[key] = failure
        return .retryRecovery(after: recoveryRetryDelay)
    }

    /// Partitions left this container: their failures are forgotten (the next owner counts afresh).
    mutating func revoked(_ partitions: some Sequence<TopicPartition>) {
        guard !failing.isEmpty else { return }
        for tp in partitions { forget(tp) }
    }

    private mutating func forget(_ tp: TopicPartition, except offset: Int64? = nil) {
        for key in failing.keys where key.tp == tp && key.offset != offset { failing[key] = nil }
    }
}
