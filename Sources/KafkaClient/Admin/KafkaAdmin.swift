import Crdkafka
import Logging
import Synchronization

/// Manages a Kafka cluster: create, delete and list topics, describe the cluster, list consumer groups,
/// and show or reset a group's offsets and lag.
///
/// Each admin owns one thread, and every librdkafka call it makes runs there, never on Swift's
/// cooperative pool: the blocking ones (`rd_kafka_metadata`, `rd_kafka_clusterid`,
/// `rd_kafka_query_watermark_offsets`, `rd_kafka_offsets_for_times`, `rd_kafka_committed`, the bounded
/// `rd_kafka_queue_poll` that waits for an Admin API result or a commit, and closing handles). Calls
/// run one after another in the order they were made.
///
/// Every call has a timeout that covers the whole call, measured from when it is made. A request the
/// broker never answers, or cannot answer, fails within that time with a ``KafkaError`` of kind
/// `.timedOut` or `.unsupported` whose message says "… is not supported by this broker or timed out
/// after N s". librdkafka's mock cluster (`EmbeddedKafka`) has no CreateTopics, DeleteTopics or
/// ListGroups, so those calls fail that way there; group offsets and lag use only requests every broker
/// answers (Metadata, ListOffsets, FindCoordinator, OffsetFetch, OffsetCommit), through a short-lived
/// consumer handle of the group that never joins it.
///
/// Topic names are checked with ``TopicName/validate(_:)`` before any request. Call ``close()`` when
/// done; an admin dropped without `close()` is closed in the background.
public final class KafkaAdmin: Sendable {
    private let core: AdminCore
    private let thread: KafkaThread
    private let closeRequested = Atomic<Bool>(false)
    /// librdkafka's name for the client, such as `rdkafka#producer-4`.
    public let name: String

    /// Creates an admin client; it connects when the first call needs a broker.
    ///
    /// - Parameters:
    ///   - configuration: settings; `bootstrap.servers` is required. The same settings (with the group's
    ///     id) are used for the short-lived consumer handles of the group-offset calls.
    ///   - logger: receives librdkafka's log lines.
    /// - Throws: ``KafkaError`` of kind `.configuration` for an unknown key or an invalid value.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.admin")) throws {
        // Admin requests go through a producer handle: it needs no group and fetches nothing.
        let handle = try NativeHandle(type: RD_KAFKA_PRODUCER, configuration: configuration, logger: logger)
        let thread = KafkaThread(name: "kadmin-\(handle.number)")
        self.core = AdminCore(handle: handle, configuration: configuration, logger: logger, thread: thread)
        self.thread = thread
        self.name = handle.name
    }

    /// Runs `body` as one job on the admin's thread with a deadline that starts now.
    private func run<T: Sendable>(
        _ operation: String, timeout: Duration, _ body: @escaping @Sendable (AdminCore, AdminDeadline) throws -> T
    ) async throws -> T {
        guard timeout > .zero else {
            throw KafkaError(
                kind: .invalidArgument, message: "the timeout must be positive, got \(timeout)", operation: operation)
        }
        let core = self.core
        let deadline = AdminDeadline(timeout)
        return try await thread.run(operation) {
            guard !core.closed else { throw KafkaError.closed(operation: operation) }
            defer { core.serveMainQueue() }
            return try body(core, deadline)
        }
    }

    // MARK: Topics

    /// Creates `topics` with one CreateTopics request and returns when the broker has created them.
    ///
    /// - Throws: `.invalidTopicName` or `.invalidArgument` before any request; `.timedOut` or
    ///   `.unsupported` if the broker does not answer within `timeout` (as on `EmbeddedKafka`); `.broker`
    ///   for a refusal, such as `TOPIC_ALREADY_EXISTS`, naming every topic that failed.
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws {
        try await run("create topics", timeout: timeout) { core, deadline in
            try core.createTopics(topics, deadline: deadline)
        }
    }

    /// Creates one topic; see ``createTopics(_:timeout:)``.
    public func createTopic(
        _ name: String, partitions: Int32? = nil, replicationFactor: Int32? = nil, configs: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws {
        try await createTopics(
            [NewTopic(name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)],
            timeout: timeout)
    }

    /// Deletes the topics `names` with one DeleteTopics request.
    ///
    /// - Throws: `.invalidTopicName` before any request; `.timedOut` or `.unsupported` if the broker does
    ///   not answer within `timeout` (as on `EmbeddedKafka`); `.broker` for a refusal, such as
    ///   `UNKNOWN_TOPIC_OR_PART`.
    public func deleteTopics(_ names: [String], timeout: Duration = .seconds(30)) async throws {
        try await run("delete topics", timeout: timeout) { core, deadline in
            try core.deleteTopics(names, deadline: deadline)
        }
    }

    /// Every topic in the cluster with its partitions, sorted by name, from one Metadata request.
    ///
    /// - Parameters:
    ///   - includeInternal: whether to include Kafka's own topics (`__consumer_offsets`,
    ///     `__transaction_state`).
    ///   - timeout: how long the whole call may take.
    public func listTopics(
        includeInternal: Bool = false, timeout: Duration = .seconds(30)
    ) async throws -> [TopicDescription] {
        try await run("list topics", timeout: timeout) { core, deadline in
            try core.listTopics(includeInternal: includeInternal, deadline: deadline)
        }
    }

    // MARK: Cluster and groups

    /// The cluster's brokers, controller and id, from one Metadata request.
    public func describeCluster(timeout: Duration = .seconds(30)) async throws -> ClusterDescription {
        try await run("describe the cluster", timeout: timeout) { core, deadline in
            try core.describeCluster(deadline: deadline)
        }
    }

    /// Every consumer group the brokers know, sorted by id (ListGroups to every broker).
    ///
    /// If some brokers fail and others answer, the groups found are returned and the failures logged.
    /// - Throws: `.timedOut` or `.unsupported` if no broker answers within `timeout` (as on `EmbeddedKafka`).
    public func listConsumerGroups(timeout: Duration = .seconds(30)) async throws -> [ConsumerGroupListing] {
        try await run("list consumer groups", timeout: timeout) { core, deadline in
            try core.listConsumerGroups(deadline: deadline)
        }
    }

    // MARK: Group offsets

    /// The group's committed offset, the log-end offset and the lag of every partition of `topics`,
    /// sorted by topic order then partition (what `kafka-consumer-groups --describe` shows).
    ///
    /// A partition the group never committed has `currentOffset == nil` and `lag == nil`; with
    /// `committedOnly` such partitions are left out, and only the others are asked for their log end (so
    /// a partition elsewhere without a leader does not fail the call). Works on every broker (OffsetFetch
    /// and ListOffsets), also while the group has active members.
    /// - Throws: `.invalidTopicName` before any request; `UNKNOWN_TOPIC_OR_PART` (`.broker`) for a topic
    ///   the cluster does not have; `.timedOut` when a request is not answered within `timeout`.
    public func groupLag(
        group: String, topics: [String], committedOnly: Bool = false, timeout: Duration = .seconds(30)
    ) async throws -> [GroupPartitionLag] {
        try await run("describe offsets of group '\(group)'", timeout: timeout) { core, deadline in
            try core.groupLag(group: group, topics: topics, committedOnly: committedOnly, deadline: deadline)
        }
    }

    /// Commits new offsets for `group` on every partition of `topic`, or only on `partition`, and
    /// returns the offsets committed.
    ///
    /// The target resolves to a concrete offset per partition first (see ``OffsetResetTarget``). Like
    /// `kafka-consumer-groups --reset-offsets`, this only works while the group has no active members:
    /// the commit comes from outside the group, and a broker refuses it from a group with members.
    /// - Throws: `.invalidTopicName` or `.invalidArgument` (a partition the topic lacks, a negative
    ///   offset) before any commit; `.broker` with a message saying the group has active members when
    ///   the broker refuses the commit (`UNKNOWN_MEMBER_ID`, `ILLEGAL_GENERATION`,
    ///   `REBALANCE_IN_PROGRESS`); `.timedOut` when a request is not answered within `timeout`.
    ///   librdkafka 2.0.2's mock cluster keeps refusing (`UNKNOWN_MEMBER_ID`) for a group that ever had
    ///   subscribed members, even after they left, and answers every timestamp lookup with "no such
    ///   record", so `.timestamp` resolves to the log end there.
    @discardableResult
    public func resetOffsets(
        group: String, topic: String, partition: Int32? = nil, to target: OffsetResetTarget,
        timeout: Duration = .seconds(30)
    ) async throws -> [TopicPartitionOffset] {
        try await run("reset offsets of group '\(group)'", timeout: timeout) { core, deadline in
            try core.resetOffsets(group: group, topic: topic, partition: partition, target: target, deadline: deadline)
        }
    }

    /// The offsets ``resetOffsets(group:topic:partition:to:timeout:)`` would commit, resolved the same
    /// way but not committed (a dry run, like `kafka-consumer-groups --reset-offsets` without `--execute`).
    ///
    /// It cannot tell whether the group has active members (only the commit finds that out).
    /// - Throws: the same errors as ``resetOffsets(group:topic:partition:to:timeout:)`` before its commit.
    public func plannedOffsetReset(
        group: String, topic: String, partition: Int32? = nil, to target: OffsetResetTarget,
        timeout: Duration = .seconds(30)
    ) async throws -> [TopicPartitionOffset] {
        try await run("plan an offset reset of group '\(group)'", timeout: timeout) { core, deadline in
            try core.resetOffsets(
                group: group, topic: topic, partition: partition, target: target, commit: false, deadline: deadline)
        }
    }

    // MARK: Closing

    /// Frees the admin's handle (cancelling requests still in flight) and ends its thread. Waits for
    /// calls already made to finish first; later calls fail with `.closed`. Safe to repeat.
    public func close() async {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        _ = try? await thread.run("close admin") { core.close() }
        thread.stop()
    }

    deinit {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        thread.submit { core.close() }
        thread.stop()
    }
}
