import Crdkafka
import Logging
import Synchronization

/// A Kafka consumer: subscribe or assign, poll batches of records, commit, pause, resume and seek.
///
/// This type is the consumer's async, `Sendable` face: it owns the consumer's thread and its lifetime, and hops
/// every call onto that thread. The operations themselves are ``ConsumerSession``'s, which runs only on that
/// thread; the native resources belong to an internal core that the consumer closes exactly once.
///
/// Each consumer owns one thread; every librdkafka call on the consumer (including the blocking ones:
/// a poll with a timeout, a synchronous commit, `close`) runs there, never on Swift's cooperative pool.
/// The `async` methods hop to that thread and back; ``withSession(_:)`` runs a whole block there, which
/// is how a poll loop applies several operations between fetches. Rebalance callbacks run on the same
/// thread, inside a poll (or inside ``close()``), so a ``RebalanceHandler`` may commit synchronously
/// before the partitions are given up.
///
/// Call ``close()`` to leave the group cleanly. A consumer that is dropped without `close()` is closed
/// in the background.
public final class KafkaConsumer: Sendable {
    private let core: ConsumerCore
    private let thread: KafkaThread
    private let closeRequested = Atomic<Bool>(false)
    /// librdkafka's name for the client, such as `rdkafka#consumer-3`.
    public let name: String

    /// Creates a consumer; it does nothing until it subscribes or is assigned partitions.
    ///
    /// - Parameters:
    ///   - configuration: settings; `group.id` is needed to subscribe or commit.
    ///   - rebalanceHandler: called on the consumer's thread for each assignment change.
    ///   - assignmentOffsets: called on the consumer's thread before partitions are assigned, for where they start.
    ///   - logger: receives librdkafka's log lines and this consumer's own.
    ///   - onStatistics: receives librdkafka's statistics JSON every `statistics.interval.ms` (served by polls,
    ///     on the consumer's thread; keep it short).
    /// - Throws: ``KafkaError`` of kind `.configuration` for an unknown key or an invalid value.
    public init(
        configuration: KafkaConfiguration, rebalanceHandler: RebalanceHandler? = nil,
        assignmentOffsets: AssignmentOffsetsHandler? = nil, logger: Logger = Logger(label: "kafka.consumer"),
        onStatistics: (@Sendable (String) -> Void)? = nil
    ) throws {
        let handle = try NativeHandle(type: RD_KAFKA_CONSUMER, configuration: configuration, logger: logger)
        if let onStatistics { handle.callbacks.statistics.withLock { $0 = .init(onStatistics) } }
        let core = ConsumerCore(handle: handle, configuration: configuration, logger: logger)
        core.rebalanceHandler = rebalanceHandler
        core.assignmentOffsets = assignmentOffsets
        handle.callbacks.rebalance.withLock {
            $0 = .init { [weak core] _, err, list in core?.handleRebalance(err, list) }
        }
        handle.callbacks.commitResult.withLock {
            $0 = .init { [weak core] id, err, list in core?.commitCompleted(id: id, err: err, list: list) }
        }
        self.core = core
        self.name = handle.name
        self.thread = KafkaThread(name: "kcons-\(handle.number)")
    }

    /// Runs `body` on the consumer's thread with synchronous access to the consumer.
    ///
    /// A task already running on that thread (one that prefers ``taskExecutor``) runs `body` at once,
    /// without a hop.
    ///
    /// - Throws: what `body` throws, or `.closed` after ``close()``.
    public nonisolated(nonsending) func withSession<T: Sendable>(
        _ body: @escaping @Sendable (ConsumerSession) throws -> T
    ) async throws -> T {
        let core = self.core
        return try await thread.run("use consumer") {
            guard !core.closed else { throw KafkaError.closed(operation: "use consumer") }
            return try body(ConsumerSession(core: core))
        }
    }

    /// Queues `body` to run on the consumer's thread without waiting for it; returns `false` (and drops
    /// `body`) once the consumer is closed. Jobs run in submission order, between polls; called from the
    /// consumer's own thread outside a session body (a task preferring ``taskExecutor``), `body` runs at once.
    @discardableResult
    public func submit(_ body: @escaping @Sendable (ConsumerSession) -> Void) -> Bool {
        let core = self.core
        return thread.perform {
            guard !core.closed else { return }
            body(ConsumerSession(core: core))
        }
    }

    /// How many times this consumer woke librdkafka's fetchers: after draining a full prefetch queue
    /// (``LibrdkafkaQuirks/fetchRestart``) and while a new assignment's first record was late
    /// (``LibrdkafkaQuirks/assignmentWake``).
    ///
    /// librdkafka before 2.2.0 stops fetching once its local queue reaches `queued.min.messages` or
    /// `queued.max.messages.kbytes` and would look again only up to a second later; the consumer wakes it
    /// with one `ListOffsets` request per leader broker instead (see Docs/Librdkafka.md). Always 0 when neither
    /// quirk is in effect.
    public var fetchRestarts: Int { core.fetchRestarts.value.load(ordering: .relaxed) }

    /// The librdkafka work-arounds this consumer applies: those its configuration allows
    /// (``KafkaConfiguration/librdkafkaQuirks``) that the loaded librdkafka needs. Decided when the consumer is created.
    public var librdkafkaQuirks: LibrdkafkaQuirks { core.quirks }

    /// The consumer's own thread as a task executor.
    ///
    /// A task that prefers it (`Task(executorPreference:)`, `withTaskExecutorPreference`) runs its
    /// nonisolated code on the consumer's thread, between the consumer's jobs: ``withSession(_:)`` then
    /// costs no thread switch. While such a task runs, the consumer serves nothing else, and blocking in it
    /// blocks the consumer (never Swift's cooperative pool). After ``close()`` such tasks continue on the
    /// global concurrent executor.
    public var taskExecutor: any TaskExecutor { thread }

    /// Subscribes to `topics` as a member of the configured group; replaces any earlier subscription.
    ///
    /// - Throws: `.invalidTopicName` for a bad name, `.broker` if librdkafka refuses.
    public func subscribe(topics: [String]) async throws {
        try await withSession { try $0.subscribe(topics: topics) }
    }

    /// Subscribes to every topic whose name matches the regular expression `pattern` (POSIX extended).
    public func subscribe(pattern: String) async throws {
        let regex = pattern.hasPrefix("^") ? pattern : "^" + pattern
        try await withSession { try $0.subscribe(topics: [regex]) }
    }

    /// Assigns partitions directly (no group membership, no rebalance), starting at the given offsets
    /// (``KafkaOffset/stored`` to start from the group's committed offset).
    public func assign(_ offsets: [TopicPartitionOffset]) async throws {
        try await withSession { try $0.assign(offsets) }
    }

    /// Returns up to `maxRecords` records, waiting at most `timeout` for the first one.
    public func poll(maxRecords: Int = 500, timeout: Duration = .milliseconds(100)) async throws -> [ConsumerRecord] {
        try await withSession { try $0.poll(maxRecords: maxRecords, timeout: timeout) }
    }

    /// Commits `offsets` (each the next offset to read) synchronously on the consumer's thread and
    /// returns when the broker has answered.
    public func commit(_ offsets: [TopicPartitionOffset]) async throws {
        try await withSession { try $0.commit(offsets) }
    }

    /// Sends a commit without waiting. `completion` runs on the consumer's thread during a later poll
    /// (or with `.closed` if the consumer closes first); it must not block.
    public func commitAsync(
        _ offsets: [TopicPartitionOffset],
        completion: @escaping @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void
    ) {
        let core = self.core
        let accepted = thread.submit { ConsumerSession(core: core).commitAsync(offsets, completion: completion) }
        if !accepted { completion(.failure(.closed(operation: "commit offsets"))) }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/invalid`` where none).
    public func committed(
        _ partitions: [TopicPartition], timeout: Duration = .seconds(10)
    ) async throws -> [TopicPartitionOffset] {
        try await withSession { try $0.committed(partitions, timeout: timeout) }
    }

    /// The next offset this consumer would read for each partition.
    public func position(_ partitions: [TopicPartition]) async throws -> [TopicPartitionOffset] {
        try await withSession { try $0.position(partitions) }
    }

    /// Stops fetching `partitions` while the consumer keeps polling (so the group does not rebalance).
    public func pause(_ partitions: [TopicPartition]) async throws {
        try await withSession { try $0.pause(partitions) }
    }

    /// Restarts fetching `partitions`.
    public func resume(_ partitions: [TopicPartition]) async throws {
        try await withSession { try $0.resume(partitions) }
    }

    /// Moves fetch positions; the records from there on are delivered (again).
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) async throws {
        try await withSession { try $0.seek(offsets, timeout: timeout) }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() async throws -> [TopicPartition] {
        try await withSession { try $0.assignment() }
    }

    /// Interrupts a poll that is waiting for records; callable from any thread.
    public func wakeUp() {
        core.wakeUp()
    }

    /// Leaves the group cleanly (the rebalance handler sees the final revoke and may commit), frees
    /// every native resource and ends the consumer's thread. Waits for that to finish; safe to repeat.
    public func close() async {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        core.wakeUp()
        _ = try? await thread.run("close consumer") { core.close() }
        thread.stop()
    }

    deinit {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        thread.submit { core.close() }
        thread.stop()
    }
}
