import KafkaClient
import Logging
import Synchronization

/// Runs an endpoint as `concurrency` single containers in one consumer group (Spring-Kafka's
/// `ConcurrentMessageListenerContainer`); children are `<id>-0` … `<id>-(n-1)`.
///
/// Kafka gives each partition to one child, so concurrency above the partition count leaves children
/// idle; the container says so once in the log. For explicit partitions the children split them round-robin.
public final class ConcurrentContainer: Sendable {
    /// The listener's id.
    public let id: String
    /// The child containers, in index order.
    public let children: [SingleContainer]
    /// The endpoint this container runs.
    public let endpoint: ListenerEndpoint
    private let idleWarned: IdleWarning

    /// The `queued.min.messages` a container's consumer gets unless the endpoint sets it: librdkafka's own
    /// default, the messages it tries to keep prefetched per partition.
    public static let defaultQueuedMinMessages = 100_000
    /// The `queued.max.messages.kbytes` a container's consumer gets unless the endpoint sets it: the
    /// payload bytes librdkafka prefetches, in KiB. It holds about three times as much in memory (each
    /// message's bookkeeping and fetch buffer), so the default keeps a consumer under ~100 MB.
    public static let defaultQueuedMaxKilobytes = 16_384
    /// The `queued.min.messages` of a per-partition container's consumer (per partition, as for every consumer): a
    /// tenth of ``defaultQueuedMinMessages``, since its workers buffer records of their own (`bufferSize`).
    public static let defaultPerPartitionQueuedMinMessages = 10_000
    /// The `queued.max.messages.kbytes` of a per-partition container's consumer: 2 MiB of payload for the whole
    /// consumer (a subscribing consumer has one queue, and librdkafka applies the limit to it), since its workers
    /// buffer records of their own (`bufferSize`). Raise it for partitions with large records.
    public static let defaultPerPartitionQueuedMaxKilobytes = 2_048

    final class IdleWarning: Sendable {
        let warned = Atomic<Bool>(false)
    }

    init(endpoint: ListenerEndpoint, baseConfiguration: KafkaConfiguration, events: EventBus, logger: Logger) {
        self.id = endpoint.id
        self.endpoint = endpoint
        let warning = IdleWarning()
        self.idleWarned = warning
        var children: [SingleContainer] = []
        for index in 0..<endpoint.concurrency {
            var childEndpoint = endpoint
            if case .partitions(let all) = endpoint.selection {
                childEndpoint.selection = .partitions(
                    all.enumerated().filter { $0.offset % endpoint.concurrency == index }.map(\.element))
            }
            let childId = "\(endpoint.id)-\(index)"
            var configuration = baseConfiguration.merging(KafkaConfiguration(endpoint.consumerProperties))
            configuration.groupId = endpoint.effectiveGroupId
            configuration.clientId = "\(endpoint.clientIdPrefix ?? endpoint.id)-\(index)"
            // Static membership: every child is a member of its own, so each gets its own instance id (as Spring
            // appends the child index); shared, the children would fence each other.
            if let instance = configuration["group.instance.id"], !instance.isEmpty {
                configuration["group.instance.id"] = "\(instance)-\(index)"
            }
            // The container commits; librdkafka must not commit or store offsets on its own.
            configuration.enableAutoCommit = false
            configuration.enableAutoOffsetStore = false
            if configuration.autoOffsetReset == nil { configuration.autoOffsetReset = .earliest }
            // A bounded prefetch: librdkafka holds ~3-4 times the payload bytes it counts against
            // queued.max.messages.kbytes, so 16 MB keeps a consumer's queue well under 100 MB of memory. The
            // consumer wakes librdkafka 2.0.2's fetcher when the queue drains (see KafkaClient's
            // LibrdkafkaQuirks.FetchRestarter), so a listener slower than the fetcher no longer stalls ~1 s per refill.
            // Per-partition containers poll the same single queue; their workers buffer records as well, so the
            // prefetch defaults are smaller there.
            let perPartition = endpoint.perPartition != nil
            if configuration["queued.min.messages"] == nil {
                configuration["queued.min.messages"] =
                    "\(perPartition ? Self.defaultPerPartitionQueuedMinMessages : Self.defaultQueuedMinMessages)"
            }
            if configuration["queued.max.messages.kbytes"] == nil {
                configuration["queued.max.messages.kbytes"] =
                    "\(perPartition ? Self.defaultPerPartitionQueuedMaxKilobytes : Self.defaultQueuedMaxKilobytes)"
            }
            // A transactional listener reads only committed records unless told otherwise (Spring's default for
            // consume-transform-produce), and gets a producer with its own transactional.id.
            var transactions: ContainerTransactions?
            if let settings = endpoint.transactions {
                if endpoint.consumerProperties["isolation.level"] == nil {
                    configuration["isolation.level"] = "read_committed"
                }
                transactions = ContainerTransactions(
                    settings: settings,
                    configuration: settings.producerConfiguration(base: baseConfiguration, containerId: childId),
                    transactionalId: settings.transactionalId(containerId: childId))
            }
            let concurrency = endpoint.concurrency
            children.append(
                SingleContainer(
                    id: childId, endpoint: childEndpoint, configuration: configuration, events: events, logger: logger,
                    onAssignment: { child, event in
                        guard event.kind == .assigned, event.partitions.isEmpty, concurrency > 1,
                            !warning.warned.exchange(true, ordering: .relaxed)
                        else { return }
                        child.logger.warning(
                            "\(child.id) got no partitions: concurrency \(concurrency) exceeds the number of partitions, so some children stay idle"
                        )
                    }, transactions: transactions))
        }
        self.children = children
    }

    /// Starts every child.
    public func start() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for child in children { group.addTask { try await child.start() } }
            try await group.waitForAll()
        }
    }

    /// Stops every child gracefully, in three phases: all children stop fetching and finish their record
    /// in flight; then all commit; then all close. (Closing one child makes the group rebalance, and a broker
    /// may refuse the others' commits while it does.)
    public func stop() async {
        await stop(abrupt: false)
    }

    /// Stops every child without a final commit (tests use it to check crash re-delivery).
    func simulateCrash() async {
        await stop(abrupt: true)
    }

    private func stop(abrupt: Bool) async {
        let stopped = await withTaskGroup(of: (SingleContainer, KafkaConsumer)?.self) { group in
            for child in children {
                group.addTask { await child.stopLoop(abrupt: abrupt).map { (child, $0) } }
            }
            var stopped: [(SingleContainer, KafkaConsumer)] = []
            for await entry in group { if let entry { stopped.append(entry) } }
            return stopped
        }
        // Every child commits before any closes: a member leaving the group starts a rebalance, and the
        // broker may refuse the commits of the others while it runs.
        await withTaskGroup(of: Void.self) { group in
            for (child, consumer) in stopped {
                group.addTask { await child.finalCommit(consumer, abrupt: abrupt) }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for (child, consumer) in stopped {
                group.addTask { await child.close(consumer, abrupt: abrupt) }
            }
        }
    }

    /// The child that owns `partition` of `topic` now, or `nil`.
    public func container(for topic: String, partition: Int32) -> SingleContainer? {
        let tp = TopicPartition(topic, partition)
        return children.first { $0.assignedPartitions.contains(tp) }
    }

    /// The child with id `childId`, or `nil`.
    public func child(id childId: String) -> SingleContainer? {
        children.first { $0.id == childId }
    }

    /// Whether any child runs.
    public var isRunning: Bool { children.contains { $0.isRunning } }

    /// Requests a pause of every child; returns whether any child was not paused already.
    @discardableResult
    public func pause() -> Bool {
        children.map { $0.pause() }.contains(true)
    }

    /// Withdraws the pause of every child; returns whether any child was paused.
    @discardableResult
    public func resume() -> Bool {
        children.map { $0.resume() }.contains(true)
    }

    /// Changes how many listener calls each child of a per-partition listener runs at once, while
    /// running and without a rebalance.
    ///
    /// - Throws: ``ListenerError/invalidState(_:)`` if the listener is not per-partition or `limit` < 1.
    public func setMaxConcurrency(_ limit: Int?) throws {
        for child in children { try child.setMaxConcurrency(limit) }
    }

    /// Moves every child's partitions to their first records at or after `milliseconds` since the epoch,
    /// at each child's next poll boundary (see ``SingleContainer/seek(toTimestamp:)``).
    public func seek(toTimestamp milliseconds: Int64) {
        for child in children { child.seek(toTimestamp: milliseconds) }
    }

    /// Moves `partition` to `position` at the next poll boundary of the child it is assigned to (see
    /// ``SingleContainer/seek(_:to:)-(_,SeekPosition)``).
    ///
    /// - Returns: whether a child had `partition` assigned (otherwise nothing moves).
    @discardableResult
    public func seek(_ partition: TopicPartition, to position: SeekPosition) -> Bool {
        guard let owner = children.first(where: { $0.assignedPartitions.contains(partition) }) else { return false }
        owner.seek(partition, to: position)
        return true
    }

    /// Moves every assigned partition of every child to `position` at each child's next poll boundary.
    public func seekAll(to position: SeekPosition) {
        for child in children { child.seekAll(to: position) }
    }

    /// Every child's status.
    public var status: [ContainerStatus] { children.map(\.status) }
}
