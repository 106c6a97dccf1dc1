import KafkaClient
import Synchronization

/// Code that runs when a container's partitions change: Spring-Kafka's `ConsumerAwareRebalanceListener`, with the
/// seeks of `ConsumerSeekAware.onPartitionsAssigned`.
///
/// Each child container calls the callbacks with its own partitions, on its consumer's thread, inside the poll that
/// saw the change; no listener call of that child runs meanwhile, and the next poll waits for the callback. Keep them
/// short: a callback that blocks delays the whole group's rebalance.
///
/// - `assigned`: when partitions are about to be assigned, before librdkafka fetches anything of them. Seeks asked
///   for here (``RebalanceContext/seek(_:to:)``) become where the partitions start (the beginning and the end as
///   the offsets they are at that moment).
/// - `revoked`: after the offsets of every record handled (in manual ack modes: acknowledged) in the revoked
///   partitions were committed, synchronously, and no listener call of them is running any more. The committed
///   offsets the callback reads (``RebalanceContext/committed(timeout:)``) include them.
/// - `lost`: the partitions were taken away without a revoke (the member was evicted): nothing could be committed,
///   and another member may already be handling their records.
public struct RebalanceListener: Sendable {
    /// Called with newly assigned partitions.
    public var assigned: @Sendable (borrowing RebalanceContext) -> Void
    /// Called with revoked partitions, after their offsets were committed.
    public var revoked: @Sendable (borrowing RebalanceContext) -> Void
    /// Called with lost partitions.
    public var lost: @Sendable (borrowing RebalanceContext) -> Void

    /// Creates a rebalance listener; callbacks left out do nothing.
    ///
    /// - Parameters:
    ///   - assigned: Called with newly assigned partitions, before any of their records is delivered.
    ///   - revoked: Called with revoked partitions, after their offsets were committed.
    ///   - lost: Called with lost partitions.
    public init(
        assigned: @escaping @Sendable (borrowing RebalanceContext) -> Void = { _ in },
        revoked: @escaping @Sendable (borrowing RebalanceContext) -> Void = { _ in },
        lost: @escaping @Sendable (borrowing RebalanceContext) -> Void = { _ in }
    ) {
        self.assigned = assigned
        self.revoked = revoked
        self.lost = lost
    }
}

/// What a ``RebalanceListener`` callback gets: the partitions, the container, the group's committed offsets and
/// seeks. It lives only for the callback (it cannot be kept or copied): it reaches the consumer, which is not safe
/// to use from elsewhere.
public struct RebalanceContext: ~Copyable {
    /// The partitions assigned, revoked or lost.
    public let partitions: [TopicPartition]
    /// The id of the child container whose partitions changed (`<listener id>-<n>`).
    public let containerId: String
    /// The listener's id.
    public let listenerId: String
    let session: ConsumerSession
    let container: SingleContainer
    /// For an assignment: the seeks asked for, which become the partitions' start offsets.
    let startSeeks: StartSeeks?

    /// The seeks an `assigned` callback asks for, collected while it runs.
    final class StartSeeks: Sendable {
        let requested = Mutex<[(TopicPartition, SeekPosition)]>([])
    }

    init(
        partitions: [TopicPartition], container: SingleContainer, session: ConsumerSession,
        startSeeks: StartSeeks? = nil
    ) {
        self.partitions = partitions
        self.containerId = container.id
        self.listenerId = container.listenerId
        self.session = session
        self.container = container
        self.startSeeks = startSeeks
    }

    /// The group's committed offsets of ``partitions`` (the next offset to read; `.invalid` where the group has
    /// none), read from the group coordinator. Blocks the callback for a broker round trip, at most `timeout`.
    ///
    /// In the revoke of a stopping container (the consumer is closing) librdkafka answers no such lookup: this
    /// throws at once there. What a stop committed is reported by the `committed` event before the revoke's.
    ///
    /// - Throws: `KafkaError` if the consumer is closing or the coordinator does not answer in time.
    public func committed(timeout: Duration = .seconds(5)) throws -> [TopicPartitionOffset] {
        try session.committed(partitions, timeout: timeout)
    }

    /// Moves `partition` to `position` before its first record is delivered (from an `assigned` callback), or at
    /// the next poll boundary. A partition this container does not own is left alone.
    public func seek(_ partition: TopicPartition, to position: SeekPosition) {
        if let startSeeks {
            startSeeks.requested.withLock { $0.append((partition, position)) }
        } else {
            container.seek(partition, to: position)
        }
    }

    /// Moves every partition of this change to `position` (see ``seek(_:to:)``).
    public func seekAll(to position: SeekPosition) {
        for partition in partitions { seek(partition, to: position) }
    }
}
