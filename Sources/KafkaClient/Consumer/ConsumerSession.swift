/// Synchronous access to a consumer from its own thread: inside ``KafkaConsumer/withSession(_:)`` and
/// inside a ``RebalanceHandler``.
///
/// Every call runs directly on the consumer's thread (blocking calls block that thread, never Swift's
/// cooperative pool). A session is valid only for the duration of the closure or handler that received
/// it; it is deliberately not `Sendable`, so it cannot be handed to another task.
public struct ConsumerSession {
    let core: ConsumerCore

    /// Returns up to `maxRecords` records, waiting at most `timeout` for the first one and not at all
    /// for the rest. Serves rebalance callbacks and async commit results.
    public func poll(maxRecords: Int, timeout: Duration) throws -> [ConsumerRecord] {
        try core.poll(maxRecords: maxRecords, timeout: timeout)
    }

    /// Like ``poll(maxRecords:timeout:)`` but hands each record to `each` without building an array.
    ///
    /// - Returns: the number of records delivered.
    @discardableResult
    public func poll(maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void) throws -> Int {
        try core.poll(maxRecords: maxRecords, timeout: timeout, each)
    }

    /// Commits `offsets` (each the next offset to read) and waits for the broker's answer.
    public func commit(_ offsets: [TopicPartitionOffset]) throws {
        try core.commit(offsets)
    }

    /// Sends a commit and returns at once; ``PendingCommit/wait()`` then waits for the broker's answer.
    ///
    /// `commit(_:)` split in two, so the consumer's thread can poll the next batch out of the local queue while
    /// the round trip is under way. Wait for it in this session, before the records polled meanwhile are used,
    /// if the commit is meant to be synchronous.
    public func beginCommit(_ offsets: [TopicPartitionOffset]) -> PendingCommit {
        core.beginCommit(offsets)
    }

    /// Sends a commit without waiting; `completion` runs on the consumer's thread during a later poll.
    public func commitAsync(
        _ offsets: [TopicPartitionOffset],
        completion: @escaping @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void
    ) {
        core.commitAsync(offsets, completion: completion)
    }

    /// The group's committed offsets for `partitions` (`.invalid` where nothing is committed).
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) throws -> [TopicPartitionOffset] {
        try core.committed(partitions, timeout: timeout)
    }

    /// The first offset of each partition whose record timestamp is at or after `milliseconds` since the
    /// epoch (Kafka's ListOffsets by time); `.end` where no record is that recent. Blocks for at most
    /// `timeout` (a broker round trip).
    ///
    /// - Throws: ``KafkaError`` if the lookup fails or times out.
    public func offsetsForTimes(_ partitions: [TopicPartition], milliseconds: Int64, timeout: Duration = .seconds(10)) throws -> [TopicPartitionOffset] {
        try core.offsetsForTimes(partitions, milliseconds: milliseconds, timeout: timeout)
    }

    /// The next offset this consumer would read for each partition (`.invalid` when unknown).
    public func position(_ partitions: [TopicPartition]) throws -> [TopicPartitionOffset] {
        try core.position(partitions)
    }

    /// Stops fetching `partitions`; the consumer keeps polling and stays in its group.
    public func pause(_ partitions: [TopicPartition]) throws { try core.pause(partitions) }

    /// Restarts fetching `partitions` from their current position.
    public func resume(_ partitions: [TopicPartition]) throws { try core.resume(partitions) }

    /// Moves the fetch position of each partition; records from there on are delivered again.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) throws {
        try core.seek(offsets, timeout: timeout)
    }

    /// The partitions currently assigned.
    public func assignment() throws -> [TopicPartition] { try core.assignment() }

    /// Subscribes to topics; a name starting with `^` is a regular expression.
    public func subscribe(topics: [String]) throws { try core.subscribe(topics) }

    /// Assigns partitions directly, without a group rebalance, starting at the given offsets.
    public func assign(_ offsets: [TopicPartitionOffset]) throws { try core.assign(offsets) }

    /// Splits `partition` off the consumer queue and returns its own queue.
    ///
    /// - Throws: `.invalidArgument` if librdkafka does not know the partition.
    public func partitionQueue(for partition: TopicPartition) throws -> PartitionQueue {
        if let existing = core.partitionQueues[partition] { return existing }
        guard let queue = PartitionQueue(rk: core.rk, topicPartition: partition, fetchRestarter: core.fetchRestarter.reset(), waker: core.fetchWaker, logger: core.logger) else {
            throw KafkaError(
                kind: .invalidArgument, message: "librdkafka has no queue for \(partition)", operation: "get partition queue")
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

    /// The rebalance protocol the group uses.
    public var rebalanceProtocol: RebalanceEvent.RebalanceProtocol { core.rebalanceProtocol }

    /// This member's id in its group, once joined.
    public var memberId: String? { core.memberId }
}
