import KafkaClient

/// One record's (or one batch's) way through the listener, the same for every container path: a pending recovery
/// first, then the delivery-attempt header, the interceptors and filters, the listener, and on a failure the error
/// handler's verdict (reported, counted and announced once, in ``listenerFailed(_:_:)``).
///
/// The sequential poll loop, the per-partition lanes and the transactional dispatch hand records to it and carry
/// out the ``Outcome`` their own way: a sequential container seeks back and pauses the partition for a back-off, a
/// lane waits in place, a transaction aborts and rolls back. So a step of a record's handling is written here
/// once.
struct RecordDispatcher: Sendable {
    /// What became of one record.
    enum Outcome {
        /// The listener handled it (or an interceptor filtered it out).
        case handled
        /// The error handler recovered it: it counts as processed (and, in manual ack modes, as acknowledged).
        case recovered
        /// Not due yet (a retry topic's record): sought back and paused by the listener; neither processed nor failed.
        case held
        /// It failed and stays unprocessed: the error handler's `decision` (a retry after a back-off, or a recovery
        /// to try again). ``FailureTracker/Decision/recover(attempts:)`` appears only when the caller recovers
        /// itself (``Recovery/deferred``).
        case failed(any Error, FailureTracker.Decision)
        /// The recoverer stopped the container.
        case stopped
        /// The call was cancelled (a crash or a shutdown timeout): the record was not processed.
        case cancelled
    }

    /// Who runs the recoverer once the error handler stops retrying.
    enum Recovery {
        /// The dispatcher, at once.
        case inline
        /// The caller (a transaction recovers only after its rollback).
        case deferred
    }

    /// What a failed batch leaves to the caller.
    struct BatchFailure {
        /// Records before the failed one that count as handled (a ``BatchListenerFailedError``'s index, else 0).
        let handled: Int
        /// The record the error handler's decision is about: the failed one, or the batch's first.
        let record: ConsumerRecord
        /// The listener's error (a ``BatchListenerFailedError``'s cause).
        let error: any Error
        let decision: FailureTracker.Decision
        /// How many records from ``handled`` on the recoverer takes when the decision is to recover: the failed
        /// one alone when the listener said which failed, else all of them.
        let toRecover: Int
    }

    let container: SingleContainer
    private let handler: Listener.RecordHandler?
    /// The listener's synchronous form, called without an async frame while no interceptor runs.
    private let direct: Listener.SyncRecordHandler?
    /// Whether a consumer or record interceptor runs (otherwise the listener is called directly).
    let intercepted: Bool
    private let attemptHeader: Bool

    init(_ container: SingleContainer) {
        let endpoint = container.endpoint
        self.container = container
        self.handler = endpoint.listener.recordHandler
        self.intercepted = !endpoint.interceptors.record.isEmpty || !endpoint.interceptors.consumer.isEmpty
        if case .syncRecord(let sync) = endpoint.listener, !intercepted {
            self.direct = sync
        } else {
            self.direct = nil
        }
        self.attemptHeader = endpoint.errorHandler.deliveryAttemptHeader == .added
    }

    /// Hands `record` to a record listener. `failing` says whether some record may be failing (the error handler's
    /// state is looked at only then); `clearsOwnFailureOnly` keeps a failing record's attempts when a record before
    /// it succeeds (a transaction's records after a rollback).
    nonisolated(nonsending) func deliver(
        _ record: ConsumerRecord, failing: Bool, recovery: Recovery = .inline, clearsOwnFailureOnly: Bool = false
    ) async -> Outcome {
        guard let handler else { return .cancelled }
        if failing, case .recover(let error, let attempts) = delivering(record) {
            // Its recovery failed before: retry the recovery, not the listener.
            return await recover(record, error, attempts: attempts)
        }
        do {
            let context = container.makeContext(.record(record.topicPartition, record.offset))
            if _slowPath(attemptHeader) {
                // A copy of the record with the header: only on request (a copy costs on every record).
                try await invokeRecord(handler, withDeliveryAttempt(record), context)
            } else if let direct {
                try direct(record, context)
            } else if intercepted {
                try await invokeRecord(handler, record, context)
            } else {
                try await handler(record, context)
            }
            if failing { succeeded(record, ownFailureOnly: clearsOwnFailureOnly) }
            return .handled
        } catch {
            if Task.isCancelled { return .cancelled }
            if error is RecordHeld { return .held }
            let decision = listenerFailed(record, error)
            guard case .recover(let attempts) = decision, recovery == .inline else { return .failed(error, decision) }
            return await recover(record, error, attempts: attempts)
        }
    }

    /// Runs the recoverer on `record` and says what became of it.
    nonisolated(nonsending) func recover(_ record: ConsumerRecord, _ error: any Error, attempts: Int) async -> Outcome {
        switch await runRecoverer(record, error, attempts: attempts) {
        case .processed: .recovered
        case .retry(let delay): .failed(error, .retryRecovery(after: delay))
        case .stop: .stopped
        }
    }

    /// Hands `records` to a batch listener and says what became of them; on a failure the error handler has
    /// decided (the caller settles the handled prefix and carries the decision out).
    nonisolated(nonsending) func deliverBatch(_ records: [ConsumerRecord]) async -> BatchOutcome {
        guard case .batch(let handler) = container.endpoint.listener else { return .cancelled }
        do {
            try await invokeBatch(handler, records, container.makeContext(.batch(records)))
            return .handled
        } catch {
            if Task.isCancelled { return .cancelled }
            if let failed = error as? BatchListenerFailedError, records.indices.contains(failed.index) {
                let bad = records[failed.index]
                return .failed(
                    BatchFailure(
                        handled: failed.index, record: bad, error: failed.cause,
                        decision: listenerFailed(bad, failed.cause), toRecover: 1))
            }
            return .failed(
                BatchFailure(
                    handled: 0, record: records[0], error: error, decision: listenerFailed(records[0], error),
                    toRecover: records.count))
        }
    }

    /// What became of one batch.
    enum BatchOutcome {
        /// The listener handled every record.
        case handled
        /// The listener failed (see ``BatchFailure``).
        case failed(BatchFailure)
        /// The call was cancelled: no record was processed.
        case cancelled
    }
}
