import KafkaClient

/// The sequential containers' dispatch: one poll's records handed to the listener in order through the
/// ``RecordDispatcher`` (which per-partition lanes and transactions use too), the error handler's decisions carried
/// out by seeking back and pausing for the back-off, and the records marked processed for the ack mode.
extension SingleContainer {
    /// Hands one poll's records to the listener: returns how many were handled.
    nonisolated(nonsending) func dispatch(_ records: [ConsumerRecord], _ consumer: KafkaConsumer) async -> Int {
        if case .batch = endpoint.listener { return await dispatchBatch(records) }
        return await dispatchRecords(records, consumer)
    }

    /// Hands records to a record listener in order; returns how many were handled.
    private nonisolated(nonsending) func dispatchRecords(
        _ records: [ConsumerRecord], _ consumer: KafkaConsumer
    ) async -> Int {
        let manual = endpoint.ackMode.isManual
        let perRecordCommit = endpoint.ackMode == .record
        if manual { tracker.delivered(records) }
        let dispatcher = RecordDispatcher(self)
        var handled = 0
        var skip: Set<TopicPartition> = []
        // The in-order run of the current partition, applied to the tracker when the partition changes.
        var runPartition: TopicPartition?
        var runOffset: Int64 = 0
        var seenAttention = attention.load(ordering: .acquiring)
        var stopping = isStopping
        var hold = false
        // The error handler's state is looked at per record only while some record is failing.
        let failing = state.withLock { !$0.failures.isEmpty }
        records: for (index, record) in records.enumerated() {
            if stopping { break }
            let tp = record.topicPartition
            if !skip.isEmpty && skip.contains(tp) { continue }
            switch await dispatcher.deliver(record, failing: failing) {
            case .handled:
                break
            case .recovered:
                // The error handler recovered it on the listener's behalf: in manual modes that counts as
                // an acknowledgement (Spring-Kafka's `ackAfterHandle`).
                if manual { tracker.finished(tp, record.offset) }
            case .held:
                // Not due yet: sought back and paused; neither processed nor failed.
                skip.insert(tp)
                continue records
            case .failed(_, .retry(let delay, _)), .failed(_, .retryRecovery(let delay)):
                redeliver([record], waiting: [tp], delay: delay)
                skip.insert(tp)
                continue records
            case .failed(_, .recover), .stopped, .cancelled:
                break records
            }
            handled += 1
            let current = attention.load(ordering: .acquiring)
            if current != seenAttention {
                seenAttention = current
                let seen = state.withLock { state in
                    (
                        state.batch.interrupted, state.commits.isHeld, state.lifecycle.isStopping,
                        state.batch.takeGiveBack()
                    )
                }
                let newlyInterrupted = seen.0.subtracting(skip)
                skip.formUnion(seen.0)
                if manual && !newlyInterrupted.isEmpty {
                    // Moved elsewhere by a seek: this poll's remaining records of those partitions are never
                    // handed over, so they must not hold later offsets back.
                    forgetRemaining(records[(index + 1)...], of: newlyInterrupted)
                }
                hold = seen.1
                stopping = seen.2
                // An immediate pause: hand the rest of these partitions' records back (sought to, so
                // they are delivered again after the resume).
                let giveBack: Set<TopicPartition> =
                    switch seen.3 {
                    case .nothing: []
                    case .partitions(let partitions): partitions
                    case .all: Set(records[(index + 1)...].map(\.topicPartition))
                    }
                if !giveBack.isEmpty {
                    seekBack(
                        records[(index + 1)...].filter {
                            giveBack.contains($0.topicPartition) && !skip.contains($0.topicPartition)
                        })
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

    /// Forgets the records of `partitions` in `rest` (delivered to the tracker, never to be handed over).
    private func forgetRemaining(_ rest: ArraySlice<ConsumerRecord>, of partitions: Set<TopicPartition>) {
        var offsets: [TopicPartition: [Int64]] = [:]
        for record in rest where partitions.contains(record.topicPartition) {
            offsets[record.topicPartition, default: []].append(record.offset)
        }
        for (tp, dropped) in offsets { tracker.forget(tp, offsets: dropped) }
    }

    /// Hands one poll's records to a batch listener; returns how many were handled.
    ///
    /// A failure goes to the error handler: with ``BatchListenerFailedError`` the records before the index
    /// count as processed and the failed one is retried (then recovered) from its position; any other error
    /// retries the whole batch, then recovers its records one by one.
    private nonisolated(nonsending) func dispatchBatch(_ records: [ConsumerRecord]) async -> Int {
        let manual = endpoint.ackMode.isManual
        if manual { tracker.delivered(records) }
        let dispatcher = RecordDispatcher(self)
        switch await dispatcher.deliverBatch(records) {
        case .cancelled:
            return 0
        case .handled:
            if state.withLock({ !$0.failures.isEmpty }) {
                var seen: Set<TopicPartition> = []
                for record in records where seen.insert(record.topicPartition).inserted {
                    dispatcher.succeeded(record)
                }
            }
            if !manual { finishRuns(records[...]) }
            return records.count
        case .failed(let failure):
            return await batchFailed(records, failure, dispatcher)
        }
    }

    /// Carries out the error handler's decision on a failed batch; returns how many records count as processed.
    private func batchFailed(
        _ records: [ConsumerRecord], _ failure: RecordDispatcher.BatchFailure, _ dispatcher: RecordDispatcher
    ) async -> Int {
        let manual = endpoint.ackMode.isManual
        func finish(_ slice: ArraySlice<ConsumerRecord>, recovered: Bool) {
            if !manual {
                finishRuns(slice)
            } else if recovered {
                for record in slice { tracker.finished(record.topicPartition, record.offset) }
            }
        }
        let start = failure.handled
        finish(records[..<start], recovered: false)
        let rest = records[start...]
        switch failure.decision {
        case .retry(let delay, _), .retryRecovery(let delay):
            redeliver(rest, waiting: Set(rest.prefix(failure.toRecover).map(\.topicPartition)), delay: delay)
            return start
        case .recover(let attempts):
            for (index, record) in rest.prefix(failure.toRecover).enumerated() {
                let outcome = await dispatcher.runRecoverer(record, failure.error, attempts: attempts)
                guard outcome == .processed else {
                    finish(rest.prefix(index), recovered: true)
                    if case .retry(let delay) = outcome {
                        let left = rest.dropFirst(index)
                        redeliver(
                            left, waiting: Set(left.prefix(failure.toRecover - index).map(\.topicPartition)),
                            delay: delay)
                    }
                    return start + index
                }
            }
            finish(rest.prefix(failure.toRecover), recovered: true)
            let left = rest.dropFirst(failure.toRecover)
            if !left.isEmpty { redeliver(left, waiting: [], delay: .zero) }
            return start + failure.toRecover
        }
    }

    /// Marks the records of `slice` processed: records come grouped by partition, so the last offset of each
    /// run is noted, hashing only when the partition changes; partitions sought or nacked during the call are
    /// left out.
    private func finishRuns(_ slice: ArraySlice<ConsumerRecord>) {
        guard let first = slice.first else { return }
        let interrupted = state.withLock { $0.batch.interrupted }
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
    func holdBack(_ records: [ConsumerRecord]) {
        seekBack(records)
        let until = ContinuousClock.now + (configuration.heartbeatInterval ?? .seconds(3)) * 2
        state.withLock { $0.commits.heldBack(until: until) }
        for tp in tracker.assignedPartitions { tracker.addPause(tp, .rebalance, until: until) }
        markPausesDirty()
        logger.debug(
            "a rebalance is under way: holding back \(records.count) records and pausing until the new assignment")
    }

    /// Seeks each partition of `records` back to its first record there, at the next poll boundary, so
    /// they are delivered again.
    private func seekBack(_ records: [ConsumerRecord]) {
        var first: [TopicPartition: Int64] = [:]
        for record in records where first[record.topicPartition] == nil { first[record.topicPartition] = record.offset }
        for (tp, offset) in first { tracker.requestSeek(tp, to: offset) }
        markPausesDirty()
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
        state.withLock { $0.batch.interrupt(first.keys) }
        markPausesDirty()
    }
}
