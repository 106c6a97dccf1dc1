import Crdkafka

/// A group's lag and offset resets, built from requests every broker answers: Metadata, ListOffsets,
/// FindCoordinator, OffsetFetch and OffsetCommit.
extension AdminCore {
    /// What `kafka-consumer-groups --describe` shows for `group` on `topics`: per partition, the
    /// committed offset, the log-end offset and the lag (with `committedOnly`, only for partitions the
    /// group committed on, and only those are asked for their log end). Runs on the admin thread; every
    /// blocking step shares the deadline.
    func groupLag(
        group: String, topics: [String], committedOnly: Bool = false, deadline: AdminDeadline
    ) throws -> [GroupPartitionLag] {
        let operation = "describe offsets of group '\(group)'"
        try Self.validate(group: group, operation: operation)
        for topic in topics { try TopicName.validate(topic) }
        guard !topics.isEmpty else { return [] }
        var partitions = try partitions(of: topics, deadline: deadline, operation: operation)
        let committed = try withGroupConsumer(group, deadline: deadline, operation: operation) {
            try committedOffsets(partitions, with: $0, deadline: deadline, operation: operation)
        }
        if committedOnly { partitions = partitions.filter { committed[$0]?.offset.isConcrete == true } }
        let marks = try watermarks(partitions, deadline: deadline, operation: operation)
        return partitions.map { partition in
            let entry = committed[partition]
            let current = entry.flatMap { $0.offset.isConcrete ? $0.offset.rawValue : nil }
            return GroupPartitionLag(
                topicPartition: partition, currentOffset: current, logEndOffset: marks[partition]?.high ?? 0,
                metadata: current == nil ? nil : entry?.metadata)
        }
    }

    /// Moves `group`'s committed offsets on `topic` (every partition, or only `partition`) to `target`
    /// and returns the offsets committed (with `commit == false`, only resolves and returns them: a dry
    /// run). Runs on the admin thread; every blocking step shares the deadline.
    func resetOffsets(
        group: String, topic: String, partition: Int32?, target: OffsetResetTarget, commit: Bool = true,
        deadline: AdminDeadline
    ) throws -> [TopicPartitionOffset] {
        let operation =
            "reset offsets of group '\(group)' on '\(topic)\(partition.map { "-\($0)" } ?? "")' to \(target)"
        try Self.validate(group: group, operation: operation)
        try TopicName.validate(topic)
        switch target {
        case .offset(let offset) where offset < 0:
            throw KafkaError(
                kind: .invalidArgument, message: "an offset must not be negative, got \(offset)", operation: operation)
        case .timestamp(let milliseconds) where milliseconds < 0:
            throw KafkaError(
                kind: .invalidArgument, message: "a timestamp must not be negative, got \(milliseconds)",
                operation: operation)
        default:
            break
        }
        var partitions = try partitions(of: [topic], deadline: deadline, operation: operation)
        if let partition {
            guard partitions.contains(TopicPartition(topic, partition)) else {
                throw KafkaError(
                    kind: .invalidArgument,
                    message:
                        "topic '\(topic)' has \(partitions.count) partitions (0…\(partitions.count - 1)), not \(partition)",
                    operation: operation)
            }
            partitions = [TopicPartition(topic, partition)]
        }
        let offsets = try resolve(target, partitions, deadline: deadline, operation: operation)
        guard commit else { return offsets }
        try withGroupConsumer(group, deadline: deadline, operation: operation) {
            try commitOffsets(offsets, group: group, with: $0, deadline: deadline, operation: operation)
        }
        return offsets
    }

    /// Concrete offsets for `target` on each partition.
    private func resolve(
        _ target: OffsetResetTarget, _ partitions: [TopicPartition], deadline: AdminDeadline, operation: String
    ) throws -> [TopicPartitionOffset] {
        var byTime: [TopicPartition: Int64] = [:]
        if case .timestamp(let milliseconds) = target {
            byTime = try offsetsForTimes(partitions, milliseconds, deadline: deadline, operation: operation)
        }
        let marks = try watermarks(partitions, deadline: deadline, operation: operation)
        return partitions.map { partition in
            let (low, high) = marks[partition] ?? (0, 0)
            let offset: Int64
            switch target {
            case .earliest: offset = low
            case .latest: offset = high
            case .offset(let wanted): offset = min(max(wanted, low), high)
            case .timestamp:
                // -1: no record at or after the time, so start after everything there is.
                let found = byTime[partition] ?? -1
                offset = found >= 0 ? min(max(found, low), high) : high
            }
            return TopicPartitionOffset(partition, KafkaOffset(offset))
        }
    }

    /// Low and high watermarks per partition (`rd_kafka_query_watermark_offsets`: ListOffsets to each
    /// leader), one partition after another on the admin thread, within the deadline.
    func watermarks(
        _ partitions: [TopicPartition], deadline: AdminDeadline, operation: String
    ) throws -> [TopicPartition: (low: Int64, high: Int64)] {
        var result: [TopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in partitions {
            guard !closed else { throw KafkaError.closed(operation: operation) }
            if deadline.isExpired {
                throw AdminFailure.unanswered("ListOffsets", operation: operation, after: deadline.timeout)
            }
            var low: Int64 = -1
            var high: Int64 = -1
            let err = rd_kafka_query_watermark_offsets(
                rk, partition.topic, partition.partition, &low, &high, deadline.remainingMilliseconds)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw AdminFailure.from(
                    err, text: nil, request: "ListOffsets", operation: "\(operation) (\(partition))",
                    timeout: deadline.timeout)
            }
            result[partition] = (low, high)
        }
        return result
    }

    /// The first offset at or after `milliseconds` per partition (`rd_kafka_offsets_for_times`), or -1
    /// where no record is that recent; blocks the admin thread for at most the deadline.
    private func offsetsForTimes(
        _ partitions: [TopicPartition], _ milliseconds: Int64, deadline: AdminDeadline, operation: String
    ) throws -> [TopicPartition: Int64] {
        guard !closed else { throw KafkaError.closed(operation: operation) }
        // The list carries the timestamps in and the offsets out; PartitionList destroys it.
        return try PartitionList.with(partitions.map { TopicPartitionOffset($0, KafkaOffset(rawValue: milliseconds)) })
        { list in
            let err = rd_kafka_offsets_for_times(rk, list, deadline.remainingMilliseconds)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw AdminFailure.from(
                    err, text: nil, request: "ListOffsets", operation: operation, timeout: deadline.timeout)
            }
            if let error = PartitionList.firstError(list, operation: operation) { throw error }
            return Dictionary(
                PartitionList.read(list).map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: { $1 })
        }
    }

    private static func validate(group: String, operation: String) throws {
        if group.isEmpty {
            throw KafkaError(kind: .invalidArgument, message: "a group id must not be empty", operation: operation)
        }
    }
}
