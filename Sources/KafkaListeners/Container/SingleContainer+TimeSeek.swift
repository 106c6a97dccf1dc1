import KafkaClient

extension SingleContainer {
    /// Moves every assigned partition to its first record at or after `milliseconds` since the epoch (after
    /// the newest record where none is that recent), at the next poll boundary. The rest of the current
    /// poll's records are skipped; records from the new position on are delivered, again if need be.
    ///
    /// The lookup is Kafka's ListOffsets by time. librdkafka 2.0.2's mock cluster (EmbeddedKafka) answers
    /// every such lookup with "no record", so there every timestamp moves to the end.
    public func seek(toTimestamp milliseconds: Int64) {
        let assigned = tracker.assignedPartitions
        let workers = state.withLock { state -> PartitionWorkers? in
            state.timestampSeek = milliseconds
            state.pauses.changed()
            state.batch.interrupt(assigned)
            return state.workers
        }
        for tp in assigned {
            if let dropped = workers?.discard(tp, from: nil) { tracker.forget(tp, offsets: dropped) }
        }
        attention.add(1, ordering: .releasing)
        wakeUp()
    }

    /// At a poll boundary: resolves a requested timestamp seek into offset seeks (on the consumer's thread).
    func resolveTimestampSeek(_ session: ConsumerSession) {
        guard let milliseconds = state.withLock({ $0.timestampSeek.take() }) else { return }
        let assigned = tracker.assignedPartitions
        guard !assigned.isEmpty else { return }
        do {
            for found in try session.offsetsForTimes(assigned, milliseconds: milliseconds) {
                let offset = found.offset.rawValue >= 0 ? found.offset.rawValue : KafkaOffset.end.rawValue
                tracker.requestSeek(found.topicPartition, to: offset)
            }
            logger.info("seeking \(assigned) to the first records at or after \(milliseconds) ms")
        } catch {
            logger.error("seek to timestamp \(milliseconds) failed; the partitions stay where they were: \(error)")
            // Records dropped while waiting for this seek are fetched again from where the consumer is.
            state.withLock { $0.workers }?.seeksApplied(assigned)
        }
    }
}
