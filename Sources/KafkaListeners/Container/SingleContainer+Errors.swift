import KafkaClient

/// One record's failures so far (sequential containers keep one per partition: the record it is stuck on).
struct RecordFailure: Sendable {
    var offset: Int64
    var attempts = 0
    var firstAt: ContinuousClock.Instant
    /// Retrying stopped and the recoverer failed: the next delivery goes straight to recovery.
    var exhausted = false
    /// The last error, for the recoverer.
    var lastError: (any Error)?
}

/// How a failed record ends this time.
enum FailureOutcome {
    /// Recovered: it counts as processed.
    case processed
    /// It will be delivered again (after a back-off, or to retry a failed recovery).
    case retry
    /// The recoverer stops the container.
    case stop
}

extension SingleContainer {
    /// Counts a failed attempt of `record` and returns its failure state.
    func noteFailure(_ record: ConsumerRecord, _ error: any Error) -> RecordFailure {
        listenerFailed(record.topicPartition, record.offset, error)
        let now = ContinuousClock.now
        return state.withLock { state in
            var failure = state.failures[record.topicPartition].flatMap { $0.offset == record.offset ? $0 : nil }
                ?? RecordFailure(offset: record.offset, firstAt: now)
            failure.attempts += 1
            failure.lastError = error
            state.failures[record.topicPartition] = failure
            return failure
        }
    }

    /// The wait before the next attempt, or `nil` when the error handler stops retrying.
    func retryDelay(_ error: any Error, _ failure: RecordFailure) -> Duration? {
        let handler = endpoint.errorHandler
        guard !failure.exhausted, handler.isRetryable(error) else { return nil }
        return handler.backOff.delay(attempt: failure.attempts, elapsed: .now - failure.firstAt)
    }

    /// A failed record's exhausted state, if its recovery failed before (then the listener is not called
    /// again: recovery is retried directly).
    func exhaustedFailure(_ record: ConsumerRecord) -> RecordFailure? {
        state.withLock { state in
            state.failures[record.topicPartition].flatMap { $0.offset == record.offset && $0.exhausted ? $0 : nil }
        }
    }

    /// Sequential containers: delivers `records` again from each partition's first one, after `delay` for
    /// the partitions in `waiting` (the rest of the current poll of those partitions is skipped).
    func redeliver(_ records: some Sequence<ConsumerRecord>, waiting: Set<TopicPartition>, delay: Duration) {
        var first: [TopicPartition: Int64] = [:]
        for record in records where first[record.topicPartition] == nil { first[record.topicPartition] = record.offset }
        let until = ContinuousClock.now + delay
        for (tp, offset) in first {
            tracker.requestSeek(tp, to: offset)
            if waiting.contains(tp) && delay > .zero { tracker.addPause(tp, .backOff, until: until) }
        }
        state.withLock { $0.interrupted.formUnion(first.keys) }
        markPausesDirty()
    }

    /// Notes a scheduled retry (log, metric, event).
    func retryScheduled(_ record: ConsumerRecord, attempt: Int, delay: Duration) {
        metrics.retries.increment()
        logger.info("retrying \(record.topicPartition)@\(record.offset) in \(delay) (attempt \(attempt) failed)")
        emit(.retrying(record.topicPartition, offset: record.offset, attempt: attempt, delay: delay))
    }

    /// Runs the recoverer on a record the error handler stopped retrying.
    func recover(_ record: ConsumerRecord, _ error: any Error, attempts: Int) async -> FailureOutcome {
        let tp = record.topicPartition
        let how: String
        do {
            switch endpoint.errorHandler.recoverer {
            case .logAndSkip:
                logger.error("giving up on \(tp)@\(record.offset) after \(attempts) attempts; skipping it: \(error)")
                how = "skipped"
            case .deadLetter(let publisher):
                try await publisher.publish(record, error: error, attempts: attempts)
                how = "dead-lettered to \(publisher.destination(record))"
                logger.warning("\(tp)@\(record.offset) failed \(attempts) times; \(how)")
            case .custom(let recover):
                try await recover(record, error, attempts)
                how = "recovered"
            case .stopContainer:
                logger.error("\(tp)@\(record.offset) failed \(attempts) times; stopping the container: \(error)")
                emit(.recovered(tp, offset: record.offset, how: "stopping the container"))
                Task { await self.stop() }
                return .stop
            }
        } catch let failure {
            if Task.isCancelled { return .retry }
            metrics.recoveryFailures.increment()
            logger.error("recovery of \(tp)@\(record.offset) failed; it stays uncommitted and is retried: \(failure)")
            emit(.recoveryFailed(tp, offset: record.offset, error: "\(failure)"))
            state.withLock { state in
                if state.failures[tp]?.offset == record.offset { state.failures[tp]?.exhausted = true }
            }
            return .retry
        }
        state.withLock { state in
            if state.failures[tp]?.offset == record.offset { state.failures[tp] = nil }
        }
        metrics.recovered.increment()
        emit(.recovered(tp, offset: record.offset, how: how))
        return .processed
    }

    /// The wait before trying a failed recovery again.
    var recoveryRetryDelay: Duration { .seconds(1) }

    /// A record was handled: forget its failures.
    func clearFailure(_ tp: TopicPartition) {
        state.withLock { state in
            if state.failures[tp] != nil { state.failures[tp] = nil }
        }
    }
}
