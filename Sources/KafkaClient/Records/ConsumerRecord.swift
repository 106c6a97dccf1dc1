/// A record read from Kafka, with its bytes copied out of librdkafka.
///
/// A `ConsumerRecord` owns copies of its key, value and headers, so it may be kept, sent to another task or
/// stored after the consumer that read it is closed: no `rd_kafka_message_t` lives behind it. The keys and
/// values of one poll share one buffer (see ``KafkaBytes``).
public struct ConsumerRecord: Sendable, Hashable, CustomStringConvertible {
    /// The topic it was read from.
    public var topic: String
    /// The partition it was read from.
    public var partition: Int32
    /// Its offset in the partition.
    public var offset: Int64
    /// When it was created or appended.
    public var timestamp: RecordTimestamp
    /// The key, or `nil` for an unkeyed record.
    public var key: KafkaBytes?
    /// The value, or `nil` for a tombstone.
    public var value: KafkaBytes?
    /// The headers in the order they were sent.
    public var headers: [RecordHeader]

    /// Creates a record from byte arrays (tests and interceptors build records this way).
    public init(
        topic: String, partition: Int32, offset: Int64,
        timestamp: RecordTimestamp = RecordTimestamp(kind: .notAvailable, milliseconds: 0),
        key: [UInt8]? = nil, value: [UInt8]?, headers: [RecordHeader] = []
    ) {
        self.init(
            topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: key.map(KafkaBytes.init),
            bytes: value.map(KafkaBytes.init), headers: headers)
    }

    /// Creates a record from ``KafkaBytes``.
    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: RecordTimestamp, key: KafkaBytes?, bytes value: KafkaBytes?,
        headers: [RecordHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The record's topic-partition.
    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    /// The key decoded as UTF-8.
    public var keyString: String? { key?.utf8String }

    /// The value decoded as UTF-8.
    public var valueString: String? { value?.utf8String }

    public var description: String {
        "ConsumerRecord(\(topic)-\(partition)@\(offset), key: \(keyString ?? "null"), \(value?.count ?? 0) bytes)"
    }
}
