import KafkaClient

/// How a recovery ended.
enum RecoveryOutcome: Sendable, Equatable {
    /// Recovered: the record counts as processed.
    case processed
    /// The recoverer failed: recover the record again after the wait (it is not committed past meanwhile).
    case retry(after: Duration)
    /// The recoverer stops the container.
    case stop
}

/// The error handler's side of every container path, sequential, per-partition or transactional: it reports a
/// failure, asks the ``FailureTracker`` what to do, and runs the recoverer. How a decision is carried out (a seek back
/// and a timed pause, a lane that waits, a rollback) is up to the caller.
extension RecordDispatcher {
    /// What to do with `record` before the listener sees it (asked only while some record is failing).
    func delivering(_ record: ConsumerRecord) -> FailureTracker.Delivery {
        container.state.withLock { $0.failures.delivering(RecordKey(record)) }
    }

    /// The listener failed on `record` (for a batch, the failed record or the batch's first): reports it and
    /// returns the error handler's decision. A retry is announced here (log, metric, event).
    func listenerFailed(_ record: ConsumerRecord, _ error: any Error) -> FailureTracker.Decision {
        let tp = record.topicPartition
        container.metrics.failures.increment()
        container.logger.error("listener failed on \(tp)@\(record.offset): \(error)")
        container.emit(.listenerFailed(tp, offset: record.offset, error: "\(error)"))
        let retryable = container.endpoint.errorHandler.isRetryable(error)
        let now = ContinuousClock.now
        let decision = container.state.withLock {
            $0.failures.failed(RecordKey(record), error: error, retryable: retryable, now: now)
        }
        if case .retry(let delay, let attempt) = decision {
            container.metrics.retries.increment()
            container.logger.info("retrying \(tp)@\(record.offset) in \(delay) (attempt \(attempt) failed)")
            container.emit(.retrying(tp, offset: record.offset, attempt: attempt, delay: delay))
        }
        return decision
    }

    /// `record` carrying `kafka_deliveryAttempt`: its failed attempts so far, plus this one.
    func withDeliveryAttempt(_ record: ConsumerRecord, failedBefore: Int? = nil) -> ConsumerRecord {
        let failed = failedBefore ?? container.state.withLock { $0.failures.attempts(of: RecordKey(record)) }
        return DeliveryAttemptHeader.adding(failed + 1, to: record)
    }

    /// The listener handled `record`: it is no longer failing. With `ownFailureOnly`, only a failure of this very
    /// record ends (records before a failed one, handled again after a transaction's rollback, say nothing about it).
    func succeeded(_ record: ConsumerRecord, ownFailureOnly: Bool = false) {
        let key = RecordKey(record)
        container.state.withLock {
            if !ownFailureOnly || $0.failures.attempts(of: key) > 0 { $0.failures.succeeded(key) }
        }
    }

    /// Runs the recoverer on a record the error handler stopped retrying.
    func runRecoverer(_ record: ConsumerRecord, _ error: any Error, attempts: Int) async -> RecoveryOutcome {
        let tp = record.topicPartition
        let how: String
        do {
            switch container.endpoint.errorHandler.recoverer {
            case .logAndSkip:
                container.logger.error(
                    "giving up on \(tp)@\(record.offset) after \(attempts) attempts; skipping it: \(error)")
                how = "skipped"
            case .deadLetter(let publisher):
                try await publisher.publish(
                    record, error: error, attempts: attempts, consumerGroup: container.endpoint.effectiveGroupId)
                how = "dead-lettered to \(publisher.destination(record))"
                container.logger.warning("\(tp)@\(record.offset) failed \(attempts) times; \(how)")
            case .custom(let recover):
                try await recover(record, error, attempts)
                how = "recovered"
            case .stopContainer:
                container.logger.error(
                    "\(tp)@\(record.offset) failed \(attempts) times; stopping the container: \(error)")
                container.emit(.recovered(tp, offset: record.offset, how: "stopping the container"))
                Task { [container] in await container.stop() }
                return .stop
            }
        } catch let failure {
            // Cancelled by a crash or a shutdown timeout: not a recovery that failed.
            if Task.isCancelled { return .retry(after: .zero) }
            let now = ContinuousClock.now
            let decision = container.state.withLock {
                $0.failures.recoveryFailed(RecordKey(record), error: error, attempts: attempts, now: now)
            }
            guard case .retryRecovery(let delay) = decision else { return .retry(after: .zero) }
            container.metrics.recoveryFailures.increment()
            container.logger.error(
                "recovery of \(tp)@\(record.offset) failed; it stays uncommitted and is retried: \(failure)")
            container.emit(.recoveryFailed(tp, offset: record.offset, error: "\(failure)"))
            return .retry(after: delay)
        }
        container.state.withLock { $0.failures.recovered(RecordKey(record)) }
        container.metrics.recovered.increment()
        container.emit(.recovered(tp, offset: record.offset, how: how))
        return .processed
    }
}
