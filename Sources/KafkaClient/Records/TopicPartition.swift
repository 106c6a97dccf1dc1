/// One partition of one topic: the unit of assignment, ordering, pausing and committing.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition's number, from 0.
    public var partition: Int32

    /// Creates a topic-partition.
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A position in a partition: a concrete offset, or one of librdkafka's logical offsets.
///
/// A committed offset is always the offset of the *next* record to read (`last processed + 1`).
public struct KafkaOffset: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// librdkafka's representation: concrete offsets are ≥ 0, logical ones negative.
    public var rawValue: Int64

    /// Wraps a raw librdkafka offset.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// A concrete offset.
    public init(_ value: Int64) { self.rawValue = value }

    /// The oldest record still on the broker (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning = KafkaOffset(rawValue: -2)
    /// After the newest record (`RD_KAFKA_OFFSET_END`).
    public static let end = KafkaOffset(rawValue: -1)
    /// The group's committed offset (`RD_KAFKA_OFFSET_STORED`).
    public static let stored = KafkaOffset(rawValue: -1000)
    /// No offset (`RD_KAFKA_OFFSET_INVALID`): nothing committed, or position unknown.
    public static let invalid = KafkaOffset(rawValue: -1001)

    /// Whether this is a concrete offset (≥ 0) rather than a logical one.
    public var isConcrete: Bool { rawValue >= 0 }

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .stored: "stored"
        case .invalid: "invalid"
        default: String(rawValue)
        }
    }

    public static func < (lhs: KafkaOffset, rhs: KafkaOffset) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A topic-partition with an offset: a starting position, a commit, or a committed position read back.
public struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    /// The partition.
    public var topicPartition: TopicPartition
    /// The offset (for commits: the next record to read).
    public var offset: KafkaOffset
    /// Optional commit metadata (at most a few KiB on most brokers).
    public var metadata: String?

    /// Creates a partition offset.
    public init(_ topicPartition: TopicPartition, _ offset: KafkaOffset, metadata: String? = nil) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.metadata = metadata
    }

    /// Creates a partition offset from its parts.
    public init(_ topic: String, _ partition: Int32, _ offset: Int64, metadata: String? = nil) {
        self.init(TopicPartition(topic, partition), KafkaOffset(offset), metadata: metadata)
    }

    public var description: String { "\(topicPartition)@\(offset)" }
}
