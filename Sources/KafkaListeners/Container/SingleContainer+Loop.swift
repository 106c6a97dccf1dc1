import KafkaClient
import Logging

extension SingleContainer {
    /// The poll loop: one hop to the consumer's thread per poll (boundary work + fetch), then dispatch.
    nonisolated(nonsending) func runLoop(_ consumer: KafkaConsumer) async {
        let maxRecords = endpoint.maxPollRecords
        let pollTimeout = endpoint.pollTimeout
        while !isStopping && !Task.isCancelled {
            let polled: [ConsumerRecord]
            do {
                polled = try await consumer.withSession { [self] session in
                    let commit = boundary(session)
                    let generation = state.withLock { $0.rebalances }
                    let polled = try pollAround(commit, session, maxRecords: maxRecords, timeout: pollTimeout)
                    // A rebalance inside this poll may have revoked partitions whose records were already
                    // collected: they belong to another member now, so they are dropped, not handled.
                    guard state.withLock({ $0.rebalances }) != generation, !polled.isEmpty else { return polled }
                    let owned = Set(tracker.assignedPartitions)
                    return polled.filter { owned.contains($0.topicPartition) }
                }
            } catch let error as KafkaError {
                if isStopping || error.kind == .closed { break }
                logger.error("poll failed: \(error)")
                if error.isFatal {
                    emit(.stopped(reason: .fatal(error.description)))
                    break
                }
                continue
            } catch {
                logger.error("poll failed: \(error)")
                continue
            }
            let now = ContinuousClock.now
            state.withLock { $0.polls += 1 }
            guard !polled.isEmpty else {
                noteIdle(now)
                continue
            }
            let perPartition = endpoint.perPartition != nil
            let hold = state.withLock { state -> Bool in
                state.liveness.recordsArrived(now: now, handling: !perPartition && !state.commits.isHeld)
                state.interrupted = []
                state.giveBack = []
                state.giveBackAll = false
                return state.commits.isHeld
            }
            if hold {
                holdBack(polled)
                continue
            }
            metrics.pollBatchSize.record(polled.count)
            let records = applyConsumerInterceptors(polled)
            if let workers = state.withLock({ $0.workers }) {
                // Per-partition: hand the records over and poll again at once; workers count them.
                workers.enqueue(records)
                if let throttle = endpoint.throttle { await applyThrottle(throttle) }
                continue
            }
            let processed: Int
            switch endpoint.listener {
            case .record(let handler): processed = await dispatchRecords(records, handler, sync: nil, consumer)
            case .syncRecord(let handler):
                processed = await dispatchRecords(records, endpoint.listener.recordHandler!, sync: handler, consumer)
            case .batch(let handler): processed = await dispatchBatch(records, handler)
            }
            metrics.records.increment(by: Int64(processed))
            state.withLock {
                $0.liveness.handlingEnded()
                $0.commits.processed(processed)
            }
            if let throttle = endpoint.throttle { await applyThrottle(throttle) }
        }
    }

    /// Polls, overlapping a synchronous commit the boundary sent: what librdkafka already holds is taken while
    /// the commit's round trip is under way; then the commit is waited for and reported, and only if nothing was
    /// queued does the poll wait (up to `timeout`) for new records. So the listener never sees a record before
    /// the previous poll's commit is answered, and an idle container reports its commit at once.
    private func pollAround(
        _ commit: SentCommit?, _ session: ConsumerSession, maxRecords: Int, timeout: Duration
    ) throws -> [ConsumerRecord] {
        guard let commit else { return try session.poll(maxRecords: maxRecords, timeout: timeout) }
        let queued: [ConsumerRecord]
        do {
            queued = try session.poll(maxRecords: maxRecords, timeout: .zero)
        } catch {
            finishCommit(commit)
            throw error
        }
        finishCommit(commit)
        return queued.isEmpty ? try session.poll(maxRecords: maxRecords, timeout: timeout) : queued
    }

    /// Hands records to a record listener in order; returns how many were handled. `sync`, the listener's
    /// synchronous form if it has one, is called instead of `handler` when no interceptor runs.
    private nonisolated(nonsending) func dispatchRecords(
        _ records: [ConsumerRecord], _ handler: Listener.RecordHandler, sync: Listener.SyncRecordHandler?,
        _ consumer: KafkaConsumer
    ) async -> Int {
        let manual = endpoint.ackMode.isManual
        let perRecordCommit = endpoint.ackMode == .record
        if manual { tracker.delivered(records) }
        var handled = 0
        var skip: Set<TopicPartition> = []
        // The in-order run of the current partition, applied to the tracker when the partition changes.
        var runPartition: TopicPartition?
        var runOffset: Int64 = 0
        var seenAttention = attention.load(ordering: .acquiring)
        var stopping = isStopping
        var hold = false
        // The error handler's state is looked at per record only while some record is failing.
        let failuresPending = state.withLock { !$0.failures.isEmpty }
        // Without interceptors the listener is called directly (one async frame less per record).
        let intercepted = !endpoint.interceptors.record.isEmpty || !endpoint.interceptors.consumer.isEmpty
        // A synchronous listener is called without an async call (and the executor hop after it) per record.
        let direct = intercepted ? nil : sync
        records: for (index, record) in records.enumerated() {
            if stopping { break }
            let tp = record.topicPartition
            if !skip.isEmpty && skip.contains(tp) { continue }
            let context = makeContext(.record(tp, record.offset))
            var outcome = FailureOutcome.processed
            var recovered = false
            do {
                if failuresPending, let failure = exhaustedFailure(record), let error = failure.lastError {
                    // Its recovery failed before: retry the recovery, not the listener.
                    outcome = await recover(record, error, attempts: failure.attempts)
                    recovered = true
                } else {
                    if let direct {
                        try direct(record, context)
                    } else if intercepted {
                        _ = try await invokeRecord(handler, record, context)
                    } else {
                        try await handler(record, context)
                    }
                    if failuresPending { clearFailure(tp) }
                }
            } catch {
                // Cancelled by a crash or a shutdown timeout: the record was not processed, so it must
                // not count as processed (nor be committed).
                if Task.isCancelled { break }
                let failure = noteFailure(record, error)
                if let delay = retryDelay(error, failure) {
                    retryScheduled(record, attempt: failure.attempts, delay: delay)
                    redeliver([record], waiting: [tp], delay: delay)
                    skip.insert(tp)
                    continue
                }
                outcome = await recover(record, error, attempts: failure.attempts)
                recovered = true
            }
            switch outcome {
            case .processed:
                // The error handler recovered it on the listener's behalf: in manual modes that counts as
                // an acknowledgement (Spring-Kafka's `ackAfterHandle`).
                if manual && recovered { tracker.finished(tp, record.offset) }
            case .retry:
                redeliver([record], waiting: [tp], delay: recoveryRetryDelay)
                skip.insert(tp)
                continue records
            case .stop:
                break records
            }
            handled += 1
            let current = attention.load(ordering: .acquiring)
            if current != seenAttention {
                seenAttention = current
                let flags = state.withLock { state in
                    defer {
                        state.giveBack = []
                        state.giveBackAll = false
                    }
                    return (state.interrupted, state.commits.isHeld, state.lifecycle.isStopping, state.giveBack, state.giveBackAll)
                }
                skip.formUnion(flags.0)
                hold = flags.1
                stopping = flags.2
                // An immediate pause: hand the rest of these partitions' records back (sought to, so
                // they are delivered again after the resume).
                let giveBack = flags.4 ? Set(records[(index + 1)...].map(\.topicPartition)) : flags.3
                if !giveBack.isEmpty {
                    seekBack(records[(index + 1)...].filter { giveBack.contains($0.topicPartition) && !skip.contains($0.topicPartition) })
                    skip.formUnion(giveBack)
                }
            }
            if !manual {
                if perRecordCommit {
                    tracker.finishedThrough(tp, record.offset)
                    // No commit while a rebalance is under way: the broker would refuse it.
                    if !hold, recordCommitRequested(consumer, worker: false) {
                        _ = try? await consumer.withSession { [self] session in commitNow(session) }
                    }
                } else if tp == runPartition {
                    runOffset = record.offset
                } else {
                    if let runPartition { tracker.finishedThrough(runPartition, runOffset) }
                    runPartition = tp
                    runOffset = record.offset
                }
            }
            if hold {
                // This record is accounted for; give the rest back.
                holdBack(records[(index + 1)...].filter { !skip.contains($0.topicPartition) })
                break
            }
        }
        if let runPartition { tracker.finishedThrough(runPartition, runOffset) }
        return handled
    }

    /// Hands one poll's records to a batch listener; returns how many were handled.
    ///
    /// A failure goes to the error handler: with ``BatchListenerFailedError`` the records before the index
    /// count as processed and the failed one is retried (then recovered) from its position; any other error
    /// retries the whole batch, then recovers its records one by one.
    private nonisolated(nonsending) func dispatchBatch(
        _ records: [ConsumerRecord], _ handler: Listener.BatchHandler
    ) async -> Int {
        let manual = endpoint.ackMode.isManual
        if manual { tracker.delivered(records) }
        do {
            try await invokeBatch(handler, records, makeContext(.batch(records)))
            if state.withLock({ !$0.failures.isEmpty }) { clearFailure(records[0].topicPartition) }
        } catch {
            if Task.isCancelled { return 0 }
            return await batchFailed(records, error)
        }
        if !manual { finishRuns(records[...]) }
        return records.count
    }

    /// The error handler's side of a failed batch; returns how many records count as processed.
    private func batchFailed(_ records: [ConsumerRecord], _ error: any Error) async -> Int {
        let manual = endpoint.ackMode.isManual
        func finish(_ slice: ArraySlice<ConsumerRecord>, recovered: Bool) {
            if !manual {
                finishRuns(slice)
            } else if recovered {
                for record in slice { tracker.finished(record.topicPartition, record.offset) }
            }
        }
        if let failed = error as? BatchListenerFailedError, records.indices.contains(failed.index) {
            let index = failed.index
            let bad = records[index]
            finish(records[..<index], recovered: false)
            let failure = noteFailure(bad, failed.cause)
            if let delay = retryDelay(failed.cause, failure) {
                retryScheduled(bad, attempt: failure.attempts, delay: delay)
                redeliver(records[index...], waiting: [bad.topicPartition], delay: delay)
                return index
            }
            switch await recover(bad, failed.cause, attempts: failure.attempts) {
            case .processed:
                finish(records[index...index], recovered: true)
                redeliver(records[(index + 1)...], waiting: [], delay: .zero)
                return index + 1
            case .retry:
                redeliver(records[index...], waiting: [bad.topicPartition], delay: recoveryRetryDelay)
                return index
            case .stop:
                return index
            }
        }
        let failure = noteFailure(records[0], error)
        let partitions = Set(records.map(\.topicPartition))
        if let delay = retryDelay(error, failure) {
            retryScheduled(records[0], attempt: failure.attempts, delay: delay)
            redeliver(records, waiting: partitions, delay: delay)
            return 0
        }
        for (index, record) in records.enumerated() {
            let outcome = await recover(record, error, attempts: failure.attempts)
            guard outcome == .processed else {
                finish(records[..<index], recovered: true)
                if outcome == .retry {
                    redeliver(records[index...], waiting: Set(records[index...].map(\.topicPartition)), delay: recoveryRetryDelay)
                }
                return index
            }
        }
        finish(records[...], recovered: true)
        return records.count
    }

    /// Marks the records of `slice` processed: records come grouped by partition, so the last offset of each
    /// run is noted, hashing only when the partition changes; partitions sought or nacked during the call are
    /// left out.
    private func finishRuns(_ slice: ArraySlice<ConsumerRecord>) {
        guard let first = slice.first else { return }
        let interrupted = state.withLock { $0.interrupted }
        var last: [TopicPartition: Int64] = [:]
        var run = first.topicPartition
        var runOffset = first.offset
        // By index, reading fields in place: `for record in slice` copies every record (three retains and
        // three releases each).
        for index in slice.indices.dropFirst() {
            if slice[index].partition == run.partition && slice[index].topic == run.topic {
                runOffset = slice[index].offset
            } else {
                last[run] = max(last[run] ?? runOffset, runOffset)
                run = slice[index].topicPartition
                runOffset = slice[index].offset
            }
        }
        last[run] = max(last[run] ?? runOffset, runOffset)
        if !interrupted.isEmpty { for tp in interrupted { last[tp] = nil } }
        tracker.finishedThrough(last)
    }

    /// Gives records back while a rebalance is under way: seeks each partition to its first unhandled
    /// record and pauses every partition until the next assignment change, so nothing is handled that
    /// could not be committed.
    private func holdBack(_ records: [ConsumerRecord]) {
        seekBack(records)
        let until = ContinuousClock.now + (configuration.heartbeatInterval ?? .seconds(3)) * 2
        state.withLock { $0.commits.heldBack(until: until) }
        for tp in tracker.assignedPartitions { tracker.addPause(tp, .rebalance, until: until) }
        markPausesDirty()
        logger.debug("a rebalance is under way: holding back \(records.count) records and pausing until the new assignment")
    }

    /// Seeks each partition of `records` back to its first record there, at the next poll boundary, so
    /// they are delivered again.
    private func seekBack(_ records: [ConsumerRecord]) {
        var first: [TopicPartition: Int64] = [:]
        for record in records where first[record.topicPartition] == nil { first[record.topicPartition] = record.offset }
        for (tp, offset) in first { tracker.requestSeek(tp, to: offset) }
        markPausesDirty()
    }

    func listenerFailed(_ tp: TopicPartition, _ offset: Int64, _ error: Error) {
        metrics.failures.increment()
        logger.error("listener failed on \(tp)@\(offset): \(error)")
        emit(.listenerFailed(tp, offset: offset, error: "\(error)"))
    }

    private func noteIdle(_ now: ContinuousClock.Instant) {
        guard let interval = endpoint.idleEventInterval else { return }
        if let idleFor = state.withLock({ $0.liveness.pollReturnedEmpty(now: now, interval: interval) }) { emit(.idle(idleFor)) }
    }

    /// Reports a poll loop that has not come back to poll within the threshold, once per episode.
    func watch() async {
        let threshold = endpoint.nonResponsiveThreshold ?? configuration.maxPollInterval ?? .seconds(300)
        let tick = max(.milliseconds(20), min(.seconds(1), threshold / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            // A per-partition container's loop never waits for listeners: its oldest running call counts.
            let workers = state.withLock { $0.workers }
            let oldestCall = workers?.oldestRunningSince
            let stuckFor = state.withLock {
                $0.liveness.watch(now: now, threshold: threshold, perPartition: workers != nil, oldestWorkerCall: oldestCall)
            }
            if let stuckFor {
                logger.warning("poll loop has not polled for \(stuckFor) (threshold \(threshold)): the listener is slow or stuck")
                emit(.nonResponsive(stuckFor))
            }
        }
    }

    func makeContext(_ scope: RecordScope) -> ListenerContext {
        ListenerContext(scope: scope, control: control)
    }
}
