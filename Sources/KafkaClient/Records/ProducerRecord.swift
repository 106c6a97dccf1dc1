/// A record to send: topic, optional partition, key, value, headers and timestamp.
public struct ProducerRecord: Sendable, Hashable {
    /// The destination topic.
    public var topic: String
    /// A fixed partition, or `nil` to let the partitioner choose (by key hash when keyed).
    public var partition: Int32?
    /// The key; records with the same key go to the same partition.
    public var key: [UInt8]?
    /// The value; `nil` sends a tombstone.
    public var value: [UInt8]?
    /// Headers to attach.
    public var headers: [RecordHeader]
    /// Create time in milliseconds since the epoch, or `nil` for now.
    public var timestampMilliseconds: Int64?

    /// Creates a record from bytes.
    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [RecordHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Creates a record from UTF-8 strings.
    public init(
        topic: String, partition: Int32? = nil, key: String? = nil, value: String,
        headers: [RecordHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.init(
            topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: Array(value.utf8),
            headers: headers, timestampMilliseconds: timestampMilliseconds)
    }
}

/// Where a produced record landed, from its delivery report.
public struct RecordMetadata: Sendable, Hashable, CustomStringConvertible {
    /// The topic.
    public var topic: String
    /// The partition the record was written to.
    public var partition: Int32
    /// The record's offset in that partition.
    public var offset: Int64
    /// The record's timestamp as stored.
    public var timestamp: RecordTimestamp

    /// Creates record metadata.
    public init(topic: String, partition: Int32, offset: Int64, timestamp: RecordTimestamp) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }

    /// The topic-partition.
    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    public var description: String { "\(topic)-\(partition)@\(offset)" }
}
