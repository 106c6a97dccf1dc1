import KafkaClient

/// The poll's and the commit's side of the interceptors; the record and batch interceptors run in the
/// ``RecordDispatcher``.
extension SingleContainer {
    /// Runs the consumer interceptors' `onConsume` on one poll's records (on the poll loop). Records they
    /// drop stay in the returned list (so the ack bookkeeping sees them) but are marked discarded: they
    /// reach no listener and count as processed. Records they replace are replaced in place.
    func applyConsumerInterceptors(_ records: [ConsumerRecord]) -> [ConsumerRecord] {
        let interceptors = endpoint.interceptors.consumer
        guard !interceptors.isEmpty, !records.isEmpty else { return records }
        var kept = records
        for interceptor in interceptors { kept = interceptor.onConsume(kept) }
        var byKey: [RecordKey: ConsumerRecord] = [:]
        for record in kept { byKey[RecordKey(tp: record.topicPartition, offset: record.offset)] = record }
        var discarded: Set<RecordKey> = []
        let delivered = records.map { record -> ConsumerRecord in
            let key = RecordKey(tp: record.topicPartition, offset: record.offset)
            if let replaced = byKey[key] { return replaced }
            discarded.insert(key)
            return record
        }
        if !discarded.isEmpty { state.withLock { $0.discarded.formUnion(discarded) } }
        return delivered
    }

    /// Tells the consumer interceptors about a commit's outcome (on the consumer's thread).
    func interceptCommit(_ offsets: [TopicPartitionOffset], error: KafkaError?) {
        for interceptor in endpoint.interceptors.consumer {
            if let error { interceptor.onCommitFailed(offsets, error: error) } else { interceptor.onCommit(offsets) }
        }
    }
}
