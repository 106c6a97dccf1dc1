import KafkaClient

/// The life of a transactional listener's transactions, one per poll: initialize the producer once, then begin,
/// deliver, send offsets and commit, or abort and deliver again.
///
/// It takes events (a step succeeded, a step failed and how) and returns what the container must do; it holds no
/// producer, clock or lock, so its decisions are unit-tested alone (`TransactionCycleTests`).
///
/// ```
/// uninitialized ──pollReady──▶ (.initialize) ──initialized──▶ idle ──pollReady──▶ (.begin) ──begun──▶ open
/// open ──handled──▶ committing(1) ──committed──▶ idle
///                   committing(n) ──failed(commit, retriable), n < max──▶ committing(n + 1)   (.retryCommit)
/// open │ committing ──listenerFailed │ failed(abortable or spent)──▶ aborting(1) ──aborted──▶ idle   (.rewind)
/// any ──failed(fatal)──▶ fenced   (.stop: the producer is unusable; the container stops)
/// ```
struct TransactionCycle: Sendable, Equatable {
    /// Where the current transaction stands.
    enum State: Sendable, Equatable {
        /// The producer has not registered its `transactional.id` yet (or that failed and is tried again).
        case uninitialized
        /// Ready to begin a transaction.
        case idle
        /// A transaction is open: the listener runs and may send records in it.
        case open
        /// Offsets sent, the commit is under way (`attempt` counts tries of a retriable failure).
        case committing(attempt: Int)
        /// The transaction is being aborted (`attempt` counts tries of a retriable failure).
        case aborting(attempt: Int)
        /// The producer hit a fatal error (fenced, or not authorized); nothing more is tried.
        case fenced(String)
    }

    /// A transactional call.
    typealias Step = TransactionStep

    /// How a transactional call failed, from librdkafka's verdict on it.
    enum Failure: Sendable, Equatable {
        /// The producer can do nothing more.
        case fatal
        /// The transaction must be aborted; the producer stays usable.
        case abortable
        /// The same call may succeed if made again.
        case retriable
        /// Anything else.
        case other

        init(_ error: KafkaError) {
            if error.isFatal || error.isFenced {
                self = .fatal
            } else if error.requiresTransactionAbort {
                self = .abortable
            } else if error.isRetriable {
                self = .retriable
            } else {
                self = .other
            }
        }
    }

    /// What the container must do next.
    enum Action: Sendable, Equatable {
        /// Register the `transactional.id` (`init_transactions`), then report ``initialized()``.
        case initialize
        /// Begin a transaction, then report ``begun()``.
        case begin
        /// Hand the poll's records to the listener, then report ``handled()`` or ``listenerFailed()``.
        case deliver
        /// Send the handled records' offsets and commit, then report ``committed()``.
        case commit
        /// Commit again (a retriable failure).
        case retryCommit
        /// Abort the transaction, then report ``aborted()``.
        case abort
        /// The poll's records were not committed: seek back to the last committed offsets and deliver them again.
        case rewind
        /// Stop the container: the producer is unusable.
        case stop(reason: String)
        /// Nothing to do (the container is stopping after a fatal error).
        case nothing
    }

    private(set) var state: State = .uninitialized
    /// How often a retriable commit or abort failure is tried again before the transaction is given up.
    let maxAttempts: Int

    init(maxAttempts: Int = 3) {
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Whether a transaction is open (the listener may send records in it).
    var isOpen: Bool { state == .open }

    /// A poll returned records: what to do before the listener gets them.
    mutating func pollReady() -> Action {
        switch state {
        case .uninitialized: return .initialize
        case .idle: return .begin
        case .fenced: return .nothing
        case .open, .committing, .aborting:
            // A transaction was left unfinished (its task was cancelled): abort it first.
            state = .aborting(attempt: 1)
            return .abort
        }
    }

    /// `init_transactions` succeeded.
    mutating func initialized() -> Action {
        guard state == .uninitialized else { return .nothing }
        state = .idle
        return .begin
    }

    /// `begin_transaction` succeeded.
    mutating func begun() -> Action {
        guard state == .idle else { return .nothing }
        state = .open
        return .deliver
    }

    /// The listener handled the poll's records (or the handled prefix before a stop).
    mutating func handled() -> Action {
        guard state == .open else { return .nothing }
        state = .committing(attempt: 1)
        return .commit
    }

    /// The listener failed: the transaction's records and offsets must go.
    mutating func listenerFailed() -> Action {
        guard state == .open else { return .nothing }
        state = .aborting(attempt: 1)
        return .abort
    }

    /// The transaction committed.
    mutating func committed() {
        if case .committing = state { state = .idle }
    }

    /// The transaction aborted: its records are delivered again.
    mutating func aborted() -> Action {
        guard case .aborting = state else { return .nothing }
        state = .idle
        return .rewind
    }

    /// A transactional call failed.
    mutating func failed(_ step: Step, _ failure: Failure, reason: String) -> Action {
        if case .fenced = state { return .nothing }
        if failure == .fatal {
            state = .fenced(reason)
            return .stop(reason: reason)
        }
        switch step {
        case .initialize:
            state = .uninitialized
            return .rewind
        case .begin:
            state = .idle
            return .rewind
        case .sendOffsets:
            state = .aborting(attempt: 1)
            return .abort
        case .commit:
            if failure == .retriable, case .committing(let attempt) = state, attempt < maxAttempts {
                state = .committing(attempt: attempt + 1)
                return .retryCommit
            }
            state = .aborting(attempt: 1)
            return .abort
        case .abort:
            if failure == .retriable, case .aborting(let attempt) = state, attempt < maxAttempts {
                state = .aborting(attempt: attempt + 1)
                return .abort
            }
            // An abort that cannot be completed leaves the producer in an unknown state.
            let reason = "the transaction could not be aborted: \(reason)"
            state = .fenced(reason)
            return .stop(reason: reason)
        }
    }

    /// The producer was closed (the container stopped): the next start registers a new one.
    mutating func reset() {
        state = .uninitialized
    }
}
