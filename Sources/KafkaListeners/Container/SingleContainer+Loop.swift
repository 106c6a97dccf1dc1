import KafkaClient
import Logging

extension SingleContainer {
    /// The poll loop: one hop to the consumer's thread per poll (boundary work + fetch), then dispatch.
    func runLoop(_ consumer: KafkaConsumer) async {
        let maxRecords = endpoint.maxPollRecords
        let pollTimeout = endpoint.pollTimeout
        while !isStopping && !Task.isCancelled {
            let records: [ConsumerRecord]
            do {
                records = try await consumer.withSession { [self] session in
                    boundary(session)
                    return try session.poll(maxRecords: maxRecords, timeout: pollTimeout)
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
            guard !records.isEmpty else {
                noteIdle(now)
                continue
            }
            state.withLock {
                $0.busySince = now
                $0.lastRecordAt = now
                $0.idleReported = false
                $0.interrupted = []
            }
            metrics.pollBatchSize.record(records.count)
            let processed: Int
            switch endpoint.listener {
            case .record(let handler): processed = await dispatchRecords(records, handler, consumer)
            case .batch(let handler): processed = await dispatchBatch(records, handler)
            }
            metrics.records.increment(by: Int64(processed))
            state.withLock {
                $0.busySince = nil
                $0.nonResponsiveReported = false
                $0.processedSinceCommit += processed
            }
        }
    }

    /// Hands records to a record listener in order; returns how many were handled.
    private func dispatchRecords(
        _ records: [ConsumerRecord], _ handler: @Sendable (ConsumerRecord, ListenerContext) async throws -> Void,
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
        for record in records {
            if isStopping { break }
            let tp = record.topicPartition
            if !skip.isEmpty && skip.contains(tp) { continue }
            let context = makeContext(.record(tp, record.offset))
            do {
                try await handler(record, context)
            } catch {
                listenerFailed(tp, record.offset, error)
            }
            handled += 1
            let interrupted = state.withLock { $0.interrupted }
            if !interrupted.isEmpty { skip.formUnion(interrupted) }
            guard !manual else { continue }
            if perRecordCommit {
                tracker.finishedThrough(tp, record.offset)
                await commitAfterRecord(consumer)
            } else if tp == runPartition {
                runOffset = record.offset
            } else {
                if let runPartition { tracker.finishedThrough(runPartition, runOffset) }
                runPartition = tp
                runOffset = record.offset
            }
        }
        if let runPartition { tracker.finishedThrough(runPartition, runOffset) }
        return handled
    }

    /// Hands one poll's records to a batch listener; returns how many were handled.
    private func dispatchBatch(
        _ records: [ConsumerRecord], _ handler: @Sendable ([ConsumerRecord], ListenerContext) async throws -> Void
    ) async -> Int {
        let manual = endpoint.ackMode.isManual
        if manual { tracker.delivered(records) }
        do {
            try await handler(records, makeContext(.batch(records)))
        } catch {
            listenerFailed(records[0].topicPartition, records[0].offset, error)
        }
        if !manual {
            var last: [TopicPartition: Int64] = [:]
            let interrupted = state.withLock { $0.interrupted }
            for record in records where !interrupted.contains(record.topicPartition) {
                last[record.topicPartition] = record.offset
            }
            tracker.finishedThrough(last)
        }
        return records.count
    }

    private func listenerFailed(_ tp: TopicPartition, _ offset: Int64, _ error: Error) {
        metrics.failures.increment()
        logger.error("listener failed on \(tp)@\(offset); skipping it: \(error)")
        emit(.listenerFailed(tp, offset: offset, error: "\(error)"))
    }

    private func noteIdle(_ now: ContinuousClock.Instant) {
        guard let interval = endpoint.idleEventInterval else { return }
        let idleFor: Duration? = state.withLock { state in
            guard !state.idleReported, now - state.lastRecordAt >= interval else { return nil }
            state.idleReported = true
            return now - state.lastRecordAt
        }
        if let idleFor { emit(.idle(idleFor)) }
    }

    /// Reports a poll loop that has not come back to poll within the threshold, once per episode.
    func watch() async {
        let threshold = endpoint.nonResponsiveThreshold ?? configuration.maxPollInterval ?? .seconds(300)
        let tick = max(.milliseconds(20), min(.seconds(1), threshold / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let stuckFor: Duration? = state.withLock { state in
                guard let since = state.busySince, !state.nonResponsiveReported, now - since >= threshold else { return nil }
                state.nonResponsiveReported = true
                return now - since
            }
            if let stuckFor {
                logger.warning("poll loop has not polled for \(stuckFor) (threshold \(threshold)): the listener is slow or stuck")
                emit(.nonResponsive(stuckFor))
            }
        }
    }

    func makeContext(_ scope: RecordScope) -> ListenerContext {
        ListenerContext(scope: scope, control: self)
    }
}
