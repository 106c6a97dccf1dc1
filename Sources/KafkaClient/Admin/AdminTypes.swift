/// A topic to create with ``KafkaAdmin/createTopics(_:timeout:)``.
///
/// `nil` partitions or replication factor leave the choice to the broker's defaults (brokers 2.4 and
/// later); explicit values must be at least 1. ``configs`` are broker-side topic settings such as
/// `cleanup.policy` or `retention.ms`; the broker, not the client, validates them.
public struct NewTopic: Sendable, Hashable {
    /// The topic's name; checked with ``TopicName/validate(_:)`` before any request.
    public var name: String
    /// How many partitions, or `nil` for the broker's `num.partitions`.
    public var partitions: Int32?
    /// How many replicas of each partition, or `nil` for the broker's `default.replication.factor`.
    public var replicationFactor: Int32?
    /// Topic-level configuration overrides.
    public var configs: [String: String]

    /// Describes a topic to create.
    public init(
        _ name: String, partitions: Int32? = nil, replicationFactor: Int32? = nil, configs: [String: String] = [:]
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// One topic as the cluster's metadata describes it, from ``KafkaAdmin/listTopics(includeInternal:timeout:)``.
///
/// Partitions are sorted by id.
public struct TopicDescription: Sendable, Hashable, CustomStringConvertible {
    /// The topic's name.
    public var name: String
    /// Every partition of the topic, by id.
    public var partitions: [PartitionDescription]
    /// The broker's error for the whole topic (for example `LEADER_NOT_AVAILABLE` while it is being
    /// created), or `nil`.
    public var error: KafkaResponseCode?

    /// Creates a description.
    public init(name: String, partitions: [PartitionDescription], error: KafkaResponseCode? = nil) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }

    /// How many partitions the topic has.
    public var partitionCount: Int { partitions.count }

    public var description: String { "\(name) (\(partitions.count) partitions)" }
}

/// One partition of a topic: its leader, replicas and in-sync replicas (broker ids).
///
/// A leader of `-1` means the partition has no leader right now.
public struct PartitionDescription: Sendable, Hashable {
    /// The partition's number, from 0.
    public var id: Int32
    /// The id of the broker that leads the partition, or -1.
    public var leader: Int32
    /// The ids of the brokers holding a replica.
    public var replicas: [Int32]
    /// The ids of the replicas that are in sync with the leader.
    public var inSyncReplicas: [Int32]
    /// The broker's error for this partition, or `nil`.
    public var error: KafkaResponseCode?

    /// Creates a description.
    public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32], error: KafkaResponseCode? = nil) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.inSyncReplicas = inSyncReplicas
        self.error = error
    }
}

/// One broker of the cluster: its id and the address clients connect to.
public struct BrokerDescription: Sendable, Hashable, CustomStringConvertible {
    /// The broker's id (`broker.id`).
    public var id: Int32
    /// The advertised host name.
    public var host: String
    /// The advertised port.
    public var port: Int32

    /// Creates a description.
    public init(id: Int32, host: String, port: Int32) {
        self.id = id
        self.host = host
        self.port = port
    }

    public var description: String { "\(id)@\(host):\(port)" }
}

/// The cluster as its metadata describes it, from ``KafkaAdmin/describeCluster(timeout:)``.
///
/// ``clusterId`` and ``controllerId`` are `nil` when the broker does not report them (brokers before
/// 0.10, or a metadata answer without them); ``controllerId`` is also `nil` when the reported id is
/// none of the listed brokers (librdkafka's mock cluster reports 0). Brokers are sorted by id.
public struct ClusterDescription: Sendable, Hashable {
    /// The cluster's id, when the broker reports one.
    public var clusterId: String?
    /// The id of the controller broker, when the broker reports one.
    public var controllerId: Int32?
    /// Every broker the metadata lists.
    public var brokers: [BrokerDescription]

    /// Creates a description.
    public init(clusterId: String?, controllerId: Int32?, brokers: [BrokerDescription]) {
        self.clusterId = clusterId
        self.controllerId = controllerId
        self.brokers = brokers
    }
}

/// A consumer group the cluster knows, from ``KafkaAdmin/listConsumerGroups(timeout:)``.
public struct ConsumerGroupListing: Sendable, Hashable {
    /// The group's id.
    public var groupId: String
    /// Whether the group only commits offsets and has never had subscribing members.
    public var isSimpleConsumerGroup: Bool
    /// The group's state as the coordinator reports it.
    public var state: ConsumerGroupState

    /// Creates a listing.
    public init(groupId: String, isSimpleConsumerGroup: Bool, state: ConsumerGroupState) {
        self.groupId = groupId
        self.isSimpleConsumerGroup = isSimpleConsumerGroup
        self.state = state
    }
}

/// A consumer group's state as its coordinator reports it.
public enum ConsumerGroupState: String, Sendable, Hashable {
    /// The broker reported no state, or one this library does not know.
    case unknown = "Unknown"
    /// Members are (re)joining.
    case preparingRebalance = "PreparingRebalance"
    /// Joined; waiting for the leader's assignment.
    case completingRebalance = "CompletingRebalance"
    /// Members consume their assignments.
    case stable = "Stable"
    /// The group is being removed.
    case dead = "Dead"
    /// No members; offsets may be reset.
    case empty = "Empty"
}

/// One row of what `kafka-consumer-groups --describe` shows: a partition, the group's committed offset
/// for it, the partition's log-end offset and the difference.
///
/// ``currentOffset`` is `nil` when the group has committed nothing for the partition, and ``lag`` is
/// then `nil` too. Lag is `logEndOffset - currentOffset` as the broker reports them, not clamped to zero
/// (it is negative if the log was truncated below a committed offset); it saturates at `Int64`'s limits.
public struct GroupPartitionLag: Sendable, Hashable, CustomStringConvertible {
    /// The partition.
    public var topicPartition: TopicPartition
    /// The group's committed offset (the next record it would read), or `nil` if none.
    public var currentOffset: Int64?
    /// The offset the next produced record will get (the high watermark).
    public var logEndOffset: Int64
    /// `logEndOffset - currentOffset`, or `nil` without a committed offset.
    public var lag: Int64?
    /// The metadata string stored with the commit, if any.
    public var metadata: String?

    /// Creates a row; ``lag`` is computed.
    public init(topicPartition: TopicPartition, currentOffset: Int64?, logEndOffset: Int64, metadata: String? = nil) {
        self.topicPartition = topicPartition
        self.currentOffset = currentOffset
        self.logEndOffset = logEndOffset
        self.lag = currentOffset.map { Saturating.subtract(logEndOffset, $0) }
        self.metadata = metadata
    }

    /// The topic's name.
    public var topic: String { topicPartition.topic }
    /// The partition's number.
    public var partition: Int32 { topicPartition.partition }

    public var description: String {
        "\(topicPartition) current=\(currentOffset.map(String.init) ?? "-") end=\(logEndOffset) lag=\(lag.map(String.init) ?? "-")"
    }
}

/// Where ``KafkaAdmin/resetOffsets(group:topic:partition:to:timeout:)`` moves a group's committed offsets.
///
/// Every target resolves to a concrete offset per partition before it is committed, like
/// `kafka-consumer-groups --reset-offsets`: an explicit offset outside the partition's current range is
/// clamped to it, and a timestamp later than every record resolves to the log-end offset.
public enum OffsetResetTarget: Sendable, Hashable {
    /// The oldest offset still on the broker (the low watermark).
    case earliest
    /// The log-end offset (the high watermark): the group skips everything produced so far.
    case latest
    /// A given offset, clamped to the partition's `[earliest, latest]` range.
    case offset(Int64)
    /// The first offset whose record timestamp is at or after this time, in milliseconds since the epoch
    /// (`rd_kafka_offsets_for_times`); the log-end offset when no record is that recent.
    case timestamp(milliseconds: Int64)
}
