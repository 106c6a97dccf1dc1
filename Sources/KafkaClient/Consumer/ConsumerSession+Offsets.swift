import Crdkafka

/// Commits, offset look-ups, flow control and seeks.
extension ConsumerSession {
    // MARK: Commits

    /// Commits `offsets` (each the next offset to read) and waits for the broker's answer.
    ///
    /// `rd_kafka_commit`'s own steps (a commit to a queue of its own, then a wait on it), so the wait can wake
    /// librdkafka's main thread when a commit was parked (``LibrdkafkaQuirks/commitNudge``).
    public func commit(_ offsets: [TopicPartitionOffset]) throws {
        _ = try beginCommit(offsets).wait().get()  // beginCommit answers a closed consumer and an empty list itself
    }

    /// Sends a commit and returns at once; ``PendingCommit/wait()`` then waits for the broker's answer.
    ///
    /// `commit(_:)` split in two, so the consumer's thread can poll the next batch out of the local queue while
    /// the round trip is under way. Wait for it on the consumer's thread, before the records polled meanwhile are
    /// used, if the commit is meant to be synchronous.
    public func beginCommit(_ offsets: [TopicPartitionOffset]) -> PendingCommit {
        let rk = core.rk
        guard !core.closed else {
            return PendingCommit(offsets: offsets, result: .failure(.closed(operation: "commit offsets")))
        }
        guard !offsets.isEmpty else { return PendingCommit(offsets: offsets, result: .success([])) }
        guard let answers = rd_kafka_queue_new(rk) else {
            return PendingCommit(
                offsets: offsets,
                result: .failure(
                    KafkaError(kind: .broker, message: "rd_kafka_queue_new returned NULL", operation: "commit offsets"))
            )
        }
        // No callback: librdkafka puts the outcome on `answers` as an OFFSET_COMMIT event.
        let err = PartitionList.with(offsets) { list in rd_kafka_commit_queue(rk, list, answers, nil, nil) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_queue_destroy(answers)
            return PendingCommit(offsets: offsets, result: .failure(.rdkafka(err, operation: "commit offsets")))
        }
        return PendingCommit(offsets: offsets, queue: answers, rk: rk, nudging: core.nudgesCommits)
    }

    /// Sends a commit without waiting; `completion` runs on the consumer's thread during a later poll.
    public func commitAsync(
        _ offsets: [TopicPartitionOffset],
        completion: @escaping @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void
    ) {
        guard !core.closed else { return completion(.failure(.closed(operation: "commit offsets"))) }
        guard !offsets.isEmpty else { return completion(.success([])) }
        let id = core.nextCommitId
        core.nextCommitId += 1
        core.pendingCommits[id] = completion
        let err = PartitionList.with(offsets) { list in
            rd_kafka_commit_queue(
                core.rk, list, core.queue,
                { rk, err, list, opaque in
                    guard let callbacks = NativeCallbacks.of(rk), let handler = callbacks.commitResult.withLock({ $0 })
                    else { return }
                    handler.call(Int(bitPattern: opaque), err, list)
                }, UnsafeMutableRawPointer(bitPattern: id))
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            core.pendingCommits.removeValue(forKey: id)?(.failure(.rdkafka(err, operation: "commit offsets")))
        }
    }

    // MARK: Offsets

    /// The group's committed offsets for `partitions` (`.invalid` where nothing is committed).
    public func committed(
        _ partitions: [TopicPartition], timeout: Duration = .seconds(10)
    ) throws -> [TopicPartitionOffset] {
        // While the consumer closes (its final revoke), librdkafka answers no committed-offset lookup: it would only
        // time out.
        guard !core.closed, !core.isClosing else { throw KafkaError.closed(operation: "read committed offsets") }
        return try PartitionList.with(partitions) { list in
            let err = rd_kafka_committed(core.rk, list, timeout.milliseconds)
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                throw KafkaError.timedOut(operation: "read committed offsets", after: timeout)
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "read committed offsets") }
            if let error = PartitionList.firstError(list, operation: "read committed offsets") { throw error }
            return PartitionList.read(list)
        }
    }

    /// The first offset of each partition whose record timestamp is at or after `milliseconds` since the
    /// epoch (Kafka's ListOffsets by time); `.end` where no record is that recent. Blocks for at most
    /// `timeout` (a broker round trip).
    ///
    /// - Throws: ``KafkaError`` if the lookup fails or times out.
    public func offsetsForTimes(
        _ partitions: [TopicPartition], milliseconds: Int64, timeout: Duration = .seconds(10)
    ) throws -> [TopicPartitionOffset] {
        guard !core.closed else { throw KafkaError.closed(operation: "look up offsets by time") }
        // The list carries the timestamp in and each partition's offset out.
        return try PartitionList.with(partitions.map { TopicPartitionOffset($0, KafkaOffset(rawValue: milliseconds)) })
        { list in
            let err = rd_kafka_offsets_for_times(core.rk, list, timeout.milliseconds)
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                throw KafkaError.timedOut(operation: "look up offsets by time", after: timeout)
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "look up offsets by time") }
            if let error = PartitionList.firstError(list, operation: "look up offsets by time") { throw error }
            return PartitionList.read(list)
        }
    }

    /// The low and high watermark of `partition` (the first offset still held and the offset the next record
    /// will get), asked from its leader (`rd_kafka_query_watermark_offsets`). Blocks for at most `timeout`.
    ///
    /// - Throws: ``KafkaError`` if the lookup fails or times out.
    public func watermarks(
        _ partition: TopicPartition, timeout: Duration = .seconds(10)
    ) throws -> (
        low: Int64, high: Int64
    ) {
        guard !core.closed else { throw KafkaError.closed(operation: "read watermarks") }
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            core.rk, partition.topic, partition.partition, &low, &high, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw KafkaError.timedOut(operation: "read the watermarks of \(partition)", after: timeout)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, operation: "read the watermarks of \(partition)")
        }
        return (low, high)
    }

    /// The next offset this consumer would read for each partition (`.invalid` when unknown).
    public func position(_ partitions: [TopicPartition]) throws -> [TopicPartitionOffset] {
        guard !core.closed else { throw KafkaError.closed(operation: "read positions") }
        return try PartitionList.with(partitions) { list in
            let err = rd_kafka_position(core.rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "read positions") }
            return PartitionList.read(list)
        }
    }

    // MARK: Flow control

    /// Stops fetching `partitions`; the consumer keeps polling and stays in its group.
    public func pause(_ partitions: [TopicPartition]) throws {
        try flowControl(partitions, operation: "pause partitions") { rd_kafka_pause_partitions(core.rk, $0) }
    }

    /// Restarts fetching `partitions` from their current position.
    public func resume(_ partitions: [TopicPartition]) throws {
        try flowControl(partitions, operation: "resume partitions") { rd_kafka_resume_partitions(core.rk, $0) }
    }

    private func flowControl(
        _ partitions: [TopicPartition], operation: String,
        _ call: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> rd_kafka_resp_err_t
    ) throws {
        guard !core.closed else { throw KafkaError.closed(operation: operation) }
        guard !partitions.isEmpty else { return }
        try PartitionList.with(partitions) { list in
            let err = call(list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: operation) }
            if let error = PartitionList.firstError(list, operation: operation) { throw error }
        }
    }

    /// Moves the fetch position of each partition; records from there on are delivered again. Waits at most
    /// `timeout` for librdkafka to confirm (see ``LibrdkafkaQuirks/seekTimeout``).
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) throws {
        guard !core.closed else { throw KafkaError.closed(operation: "seek") }
        guard !offsets.isEmpty else { return }
        let argument = LibrdkafkaQuirks.SeekTimeout.argument(timeout, scaled: core.scalesSeekTimeout)
        try PartitionList.with(offsets) { list in
            if let error = rd_kafka_seek_partitions(core.rk, list, argument) {
                throw KafkaError.consuming(error, operation: "seek")
            }
            if let error = PartitionList.firstError(list, operation: "seek") { throw error }
        }
    }
}
