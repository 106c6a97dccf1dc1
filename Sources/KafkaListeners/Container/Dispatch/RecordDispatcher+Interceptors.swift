import KafkaClient

/// The record and batch interceptors around a listener call, as every container path runs them.
extension RecordDispatcher {
    /// Whether a consumer interceptor dropped this record (forgets it: it is asked once per delivery).
    private func takeDiscarded(_ record: ConsumerRecord) -> Bool {
        guard !container.endpoint.interceptors.consumer.isEmpty else { return false }
        return container.state.withLock {
            $0.discarded.remove(RecordKey(tp: record.topicPartition, offset: record.offset)) != nil
        }
    }

    /// Calls a record listener through the record interceptors. A record skipped (by a consumer interceptor or a
    /// record interceptor) is not handed to the listener and counts as processed (in manual modes, as acknowledged
    /// when the interceptor says so).
    func invokeRecord(
        _ handler: Listener.RecordHandler, _ record: ConsumerRecord,
        _ context: ListenerContext
    ) async throws {
        guard intercepted else {
            try await handler(record, context)
            return
        }
        let interceptors = container.endpoint.interceptors.record
        if takeDiscarded(record) {
            skipped(record, acknowledge: true)
            return
        }
        var current = record
        for interceptor in interceptors {
            guard let next = await interceptor.intercept(current, context: context) else {
                skipped(record, acknowledge: interceptor.acknowledgesSkipped)
                return
            }
            current = next
        }
        do {
            try await handler(current, context)
        } catch {
            for interceptor in interceptors { await interceptor.failure(current, error: error, context: context) }
            for interceptor in interceptors { await interceptor.afterRecord(current, context: context) }
            throw error
        }
        for interceptor in interceptors { await interceptor.success(current, context: context) }
        for interceptor in interceptors { await interceptor.afterRecord(current, context: context) }
    }

    /// Calls a batch listener through the interceptors: records dropped by a consumer interceptor or a
    /// ``RecordInterceptor`` (filters) leave the batch, then the batch interceptors run around the call. An
    /// empty batch is not delivered.
    func invokeBatch(
        _ handler: Listener.BatchHandler, _ records: [ConsumerRecord],
        _ context: ListenerContext
    ) async throws {
        let all = container.endpoint.interceptors
        if all.isEmpty {
            try await handler(records, context)
            return
        }
        var batch: [ConsumerRecord] = []
        for record in records {
            if takeDiscarded(record) {
                skipped(record, acknowledge: true)
                continue
            }
            var current: ConsumerRecord? = record
            for interceptor in all.record {
                guard let next = current else { break }
                current = await interceptor.intercept(next, context: context)
                if current == nil { skipped(record, acknowledge: interceptor.acknowledgesSkipped) }
            }
            if let current { batch.append(current) }
        }
        for interceptor in all.batch {
            guard !batch.isEmpty, let next = await interceptor.intercept(batch, context: context) else { return }
            batch = next
        }
        guard !batch.isEmpty else { return }
        do {
            try await handler(batch, context)
        } catch {
            for interceptor in all.batch { await interceptor.failure(batch, error: error, context: context) }
            for interceptor in all.batch { await interceptor.afterBatch(batch, context: context) }
            throw error
        }
        for interceptor in all.batch { await interceptor.success(batch, context: context) }
        for interceptor in all.batch { await interceptor.afterBatch(batch, context: context) }
    }

    /// A skipped record: in manual modes it is acknowledged when `acknowledge` says so.
    private func skipped(_ record: ConsumerRecord, acknowledge: Bool) {
        if container.endpoint.ackMode.isManual && acknowledge {
            container.tracker.finished(record.topicPartition, record.offset)
        }
    }
}
