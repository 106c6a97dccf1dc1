import Crdkafka

/// Synchronous access to a consumer from its own thread: inside ``KafkaConsumer/withSession(_:)`` and
/// inside a ``RebalanceHandler``.
///
/// The session carries the consumer's operations: every librdkafka call on the consumer is made here, directly
/// on the consumer's thread (blocking calls block that thread, never Swift's cooperative pool), with the native
/// state its consumer owns. A session is valid only for the duration of the closure or handler that received
/// it; it is deliberately not `Sendable`, so it cannot be handed to another task.
public struct ConsumerSession {
    let core: ConsumerCore

    // MARK: Polling

    /// Returns up to `maxRecords` records, waiting at most `timeout` for the first one and not at all
    /// for the rest. Serves rebalance callbacks and async commit results.
    public func poll(maxRecords: Int, timeout: Duration) throws -> [ConsumerRecord] {
        try poll(maxRecords: maxRecords, timeout: timeout) { batch, count, bytes in
            batch.collect(count: count, bytes: bytes, onError: reportConsumeError)
        }
    }

    /// Like ``poll(maxRecords:timeout:)`` but hands each record to `each` without building an array.
    ///
    /// - Returns: the number of records delivered.
    @discardableResult
    public func poll(maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void) throws -> Int {
        try poll(maxRecords: maxRecords, timeout: timeout) { batch, count, bytes in
            try batch.deliver(count: count, bytes: bytes, onError: reportConsumeError, each: each)
        }
    }

    /// One poll of the consumer queue: fetches up to `maxRecords` messages, lets `convert` turn the
    /// `count` fetched (`bytes` key and value bytes) into records, then checks the prefetch queue and
    /// fatal errors.
    private func poll<Result>(
        maxRecords: Int, timeout: Duration, convert: (MessageBatch, _ count: Int, _ bytes: Int) throws -> Result
    ) throws -> Result {
        let core = self.core
        guard !core.closed else { throw KafkaError.closed(operation: "poll") }
        let count = try core.batch.fetch(from: core.queue, maxRecords: maxRecords, timeout: timeout, operation: "poll")
        let bytes = core.batch.byteCount(count: count)
        let result = try convert(core.batch, count, bytes)
        core.fetchRestarter.afterPoll(
            queue: core.queue, records: count, bytes: bytes, waker: core.fetchWaker, logger: core.logger)
        try throwIfFatal()
        return result
    }

    private func reportConsumeError(_ message: UnsafePointer<rd_kafka_message_t>) {
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            core.logger.trace("reached end of \(message.pointee.partition)")
            return
        }
        var text: String?
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            text = String(decoding: UnsafeRawBufferPointer(start: payload, count: message.pointee.len), as: UTF8.self)
        }
        let error = KafkaError.rdkafka(err, operation: "consume", message: text)
        core.logger.warning("consumer error: \(error)")
    }

    private func throwIfFatal() throws {
        let rk = core.rk
        // A stack buffer: this runs after every poll, and the reason is only written when something is fatal.
        let failure: KafkaError? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { text in
            text.initialize(repeating: 0)
            let err = rd_kafka_fatal_error(rk, text.baseAddress, text.count)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            let reason = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return KafkaError(
                kind: .broker, code: err.rawValue, codeName: String(cString: rd_kafka_err2name(err)), message: reason,
                operation: "poll", isFatal: true)
        }
        if let failure { throw failure }
    }

    // MARK: Partition queues

    /// Splits `partition` off the consumer queue and returns its own queue.
    ///
    /// - Throws: `.invalidArgument` if librdkafka does not know the partition.
    public func partitionQueue(for partition: TopicPartition) throws -> PartitionQueue {
        if let existing = core.partitionQueues[partition] { return existing }
        guard
            let queue = PartitionQueue(
                rk: core.rk, topicPartition: partition, fetchRestarter: core.fetchRestarter.reset(),
                waker: core.fetchWaker,
                headersInPlace: core.quirks.contains(.wireHeaders), logger: core.logger)
        else {
            throw KafkaError(
                kind: .invalidArgument, message: "librdkafka has no queue for \(partition)",
                operation: "get partition queue")
        }
        core.partitionQueues[partition] = queue
        return queue
    }

    /// Polls `queue` (a queue of this consumer) for up to `maxRecords` records.
    @discardableResult
    public func poll(
        _ queue: PartitionQueue, maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void
    ) throws -> Int {
        try queue.poll(maxRecords: maxRecords, timeout: timeout, each)
    }

    // MARK: Assignment

    /// Subscribes to topics; a name starting with `^` is a regular expression.
    public func subscribe(topics: [String]) throws {
        guard !core.closed else { throw KafkaError.closed(operation: "subscribe") }
        for topic in topics where !topic.hasPrefix("^") { try TopicName.validate(topic) }
        try PartitionList.with(topics.map { TopicPartition($0, RD_KAFKA_PARTITION_UA) }) { list in
            let err = rd_kafka_subscribe(core.rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "subscribe to \(topics)") }
        }
    }

    /// Assigns partitions directly, without a group rebalance, starting at the given offsets.
    public func assign(_ offsets: [TopicPartitionOffset]) throws {
        guard !core.closed else { throw KafkaError.closed(operation: "assign partitions") }
        for entry in offsets { try TopicName.validate(entry.topicPartition.topic) }
        try PartitionList.with(offsets) { list in
            let err = rd_kafka_assign(core.rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "assign partitions") }
        }
        core.assigned(offsets.count)
    }

    /// The partitions currently assigned.
    public func assignment() throws -> [TopicPartition] {
        guard !core.closed else { throw KafkaError.closed(operation: "read assignment") }
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(core.rk, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError.rdkafka(err, operation: "read assignment")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.read(list).map(\.topicPartition).sorted()
    }

    /// The rebalance protocol the group uses.
    public var rebalanceProtocol: RebalanceEvent.RebalanceProtocol { core.rebalanceProtocol }

    /// This member's id in its group, once joined.
    public var memberId: String? {
        guard let pointer = rd_kafka_memberid(core.rk) else { return nil }
        defer { rd_kafka_mem_free(core.rk, pointer) }
        let id = String(cString: pointer)
        return id.isEmpty ? nil : id
    }
}
