import KafkaClient
import KafkaListeners

/// How the kit plays a sequential container's dispatch: interceptors around each call, the error handler's
/// decisions after a failure, the recoverer after the last retry.
extension ListenerTestKit {
    /// Hands records to a record listener one by one, each until it is settled.
    func runRecords(
        _ records: [ConsumerRecord], _ handler: Listener.RecordHandler, _ outcome: inout DeliveryOutcome
    ) async {
        var movedAway: Set<TopicPartition> = []
        for record in records {
            if outcome.stopsContainer || outcome.stillRetrying || movedAway.contains(record.topicPartition) {
                outcome.notDelivered.append(record)
                continue
            }
            let before = recorder.calls.count
            await settle(record, handler, &outcome)
            movedAway.formUnion(partitionsMoved(since: before))
        }
    }

    /// One record, through retries, until it is handled, skipped or recovered.
    private func settle(
        _ record: ConsumerRecord, _ handler: Listener.RecordHandler, _ outcome: inout DeliveryOutcome
    ) async {
        let manual = endpoint.ackMode.isManual
        let start = ContinuousClock.now
        var elapsed = Duration.zero
        for _ in 0..<maxCallsPerDelivery {
            let (polled, dropped) = poll([record])
            guard let polled = polled.first else {
                skip(dropped, acknowledge: true, &outcome)
                return
            }
            let context = recorder.context(for: polled)
            var current = polled
            for interceptor in endpoint.interceptors.record {
                guard let next = await interceptor.intercept(current, context: context) else {
                    skip([record], acknowledge: interceptor.acknowledgesSkipped, &outcome)
                    return
                }
                current = next
            }
            do {
                try await handler(current, context)
                for interceptor in endpoint.interceptors.record { await interceptor.success(current, context: context) }
                for interceptor in endpoint.interceptors.record {
                    await interceptor.afterRecord(current, context: context)
                }
                outcome.calls.append(.init(records: [current], error: nil))
                decisions.succeeded(record)
                if !manual { outcome.processed.append(RecordPosition(of: record)) }
                return
            } catch {
                for interceptor in endpoint.interceptors.record {
                    await interceptor.failure(current, error: error, context: context)
                }
                for interceptor in endpoint.interceptors.record {
                    await interceptor.afterRecord(current, context: context)
                }
                outcome.calls.append(.init(records: [current], error: error))
                switch decisions.failed(record, error: error, now: start + elapsed) {
                case .retry(let delay, let attempt):
                    outcome.retries.append(.init(position: RecordPosition(of: record), attempt: attempt, delay: delay))
                    elapsed += delay
                case .recover(let attempts):
                    _ = await recover(record, error, attempts: attempts, &outcome)
                    return
                }
            }
        }
        outcome.stillRetrying = true
    }

    /// Hands records to a batch listener, then redelivers what the error handler says, until settled.
    func runBatch(_ records: [ConsumerRecord], _ handler: Listener.BatchHandler, _ outcome: inout DeliveryOutcome) async
    {
        let manual = endpoint.ackMode.isManual
        let start = ContinuousClock.now
        var elapsed = Duration.zero
        var pending = records
        for _ in 0..<maxCallsPerDelivery {
            guard !pending.isEmpty else { return }
            let before = recorder.calls.count
            let (polled, dropped) = poll(pending)
            skip(dropped, acknowledge: true, &outcome)
            let context = recorder.context(for: pending)
            var batch: [ConsumerRecord] = []
            for record in polled {
                var current: ConsumerRecord? = record
                for interceptor in endpoint.interceptors.record {
                    guard let next = current else { break }
                    current = await interceptor.intercept(next, context: context)
                    if current == nil { skip([record], acknowledge: interceptor.acknowledgesSkipped, &outcome) }
                }
                if let current { batch.append(current) }
            }
            for interceptor in endpoint.interceptors.batch {
                guard !batch.isEmpty, let next = await interceptor.intercept(batch, context: context) else {
                    batch = []
                    break
                }
                batch = next
            }
            guard !batch.isEmpty else {
                // Nothing left to call the listener with: the poll counts as processed.
                if !manual { outcome.processed.append(contentsOf: positions(polled, except: [])) }
                return
            }
            do {
                try await handler(batch, context)
                for interceptor in endpoint.interceptors.batch { await interceptor.success(batch, context: context) }
                for interceptor in endpoint.interceptors.batch { await interceptor.afterBatch(batch, context: context) }
                outcome.calls.append(.init(records: batch, error: nil))
                var seen: Set<TopicPartition> = []
                for record in pending where seen.insert(record.topicPartition).inserted { decisions.succeeded(record) }
                if !manual {
                    outcome.processed.append(contentsOf: positions(polled, except: partitionsMoved(since: before)))
                }
                return
            } catch {
                for interceptor in endpoint.interceptors.batch {
                    await interceptor.failure(batch, error: error, context: context)
                }
                for interceptor in endpoint.interceptors.batch { await interceptor.afterBatch(batch, context: context) }
                outcome.calls.append(.init(records: batch, error: error))
                let now = start + elapsed
                if let failed = error as? BatchListenerFailedError, pending.indices.contains(failed.index) {
                    // The records before the failed one count as processed; it is retried (then recovered) from its position.
                    let index = failed.index
                    let bad = pending[index]
                    if !manual { outcome.processed.append(contentsOf: pending[..<index].map(RecordPosition.init(of:))) }
                    switch decisions.failed(bad, error: failed.cause, now: now) {
                    case .retry(let delay, let attempt):
                        outcome.retries.append(.init(position: RecordPosition(of: bad), attempt: attempt, delay: delay))
                        elapsed += delay
                        pending = Array(pending[index...])
                    case .recover(let attempts):
                        guard await recover(bad, failed.cause, attempts: attempts, &outcome) else {
                            outcome.notDelivered.append(contentsOf: pending[(index + 1)...])
                            return
                        }
                        pending = Array(pending[(index + 1)...])
                    }
                    continue
                }
                // Any other error: the whole batch is retried, then its records are recovered one by one.
                switch decisions.failed(pending[0], error: error, now: now) {
                case .retry(let delay, let attempt):
                    outcome.retries.append(
                        .init(position: RecordPosition(of: pending[0]), attempt: attempt, delay: delay))
                    elapsed += delay
                case .recover(let attempts):
                    for (index, record) in pending.enumerated() {
                        guard await recover(record, error, attempts: attempts, &outcome) else {
                            outcome.notDelivered.append(contentsOf: pending[(index + 1)...])
                            return
                        }
                    }
                    return
                }
            }
        }
        if !pending.isEmpty { outcome.stillRetrying = true }
    }

    /// Runs the recoverer on `record` as a container would, except that a dead letter is built, not sent;
    /// returns whether the record counts as processed.
    private func recover(
        _ record: ConsumerRecord, _ error: any Error, attempts: Int, _ outcome: inout DeliveryOutcome
    ) async -> Bool {
        let recovery: DeliveryOutcome.Recovery
        switch endpoint.errorHandler.recoverer {
        case .logAndSkip:
            recovery = .skipped
        case .deadLetter(let publisher):
            do {
                recovery = .deadLettered(try publisher.deadLetter(for: record, error: error, attempts: attempts))
            } catch {
                recovery = .failed(error)
            }
        case .custom(let recover):
            do {
                try await recover(record, error, attempts)
                recovery = .custom
            } catch {
                recovery = .failed(error)
            }
        case .stopContainer:
            recovery = .stopContainer
            outcome.stopsContainer = true
        }
        outcome.recovered.append(.init(record: record, error: error, attempts: attempts, recovery: recovery))
        switch recovery {
        case .skipped, .deadLettered, .custom:
            decisions.recovered(record)
            // In manual modes too: the error handler acknowledges on the listener's behalf.
            outcome.processed.append(RecordPosition(of: record))
            return true
        case .stopContainer, .failed:
            return false
        }
    }

    /// The consumer interceptors' `onConsume` on a poll: the records to hand over (replaced where they
    /// replaced them) and those they dropped.
    private func poll(_ records: [ConsumerRecord]) -> (delivered: [ConsumerRecord], dropped: [ConsumerRecord]) {
        let interceptors = endpoint.interceptors.consumer
        guard !interceptors.isEmpty else { return (records, []) }
        var kept = records
        for interceptor in interceptors { kept = interceptor.onConsume(kept) }
        var byPosition: [RecordPosition: ConsumerRecord] = [:]
        for record in kept { byPosition[RecordPosition(of: record)] = record }
        var delivered: [ConsumerRecord] = []
        var dropped: [ConsumerRecord] = []
        for record in records {
            if let replaced = byPosition[RecordPosition(of: record)] {
                delivered.append(replaced)
            } else {
                dropped.append(record)
            }
        }
        return (delivered, dropped)
    }

    /// Records skipped before the listener: processed in automatic modes, and in manual ones when `acknowledge`.
    private func skip(_ records: [ConsumerRecord], acknowledge: Bool, _ outcome: inout DeliveryOutcome) {
        outcome.skipped.append(contentsOf: records)
        if !endpoint.ackMode.isManual || acknowledge {
            outcome.processed.append(contentsOf: records.map(RecordPosition.init(of:)))
        }
    }

    /// The partitions a nack or a seek moved elsewhere since the recorder's call number `index`.
    private func partitionsMoved(since index: Int) -> Set<TopicPartition> {
        var moved: Set<TopicPartition> = []
        for call in recorder.calls.dropFirst(index) {
            switch call {
            case .nack(let position, _, _, _): moved.insert(position.topicPartition)
            case .seek(let tp, _): moved.insert(tp)
            case .acknowledge: break
            }
        }
        return moved
    }

    private func positions(_ records: [ConsumerRecord], except partitions: Set<TopicPartition>) -> [RecordPosition] {
        records.filter { !partitions.contains($0.topicPartition) }.map(RecordPosition.init(of:))
    }
}
