/// A record read from Kafka, with its bytes copied out of librdkafka.
///
/// A `ConsumerRecord` owns its key, value and headers, so it may be kept, sent to another task or
/// stored after the consumer that read it is closed: no `rd_kafka_message_t` lives behind it.
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
    public var key: [UInt8]?
    /// The value, or `nil` for a tombstone.
    public var value: [UInt8]?
    /// The headers in the order they were sent.
    public var headers: [RecordHeader]

    /// Creates a record (the consumer builds them; tests and interceptors may too).
    public init(
        topic: String, partition: Int32, offset: Int64,
        timestamp: RecordTimestamp = RecordTimestamp(kind: .notAvailable, milliseconds: 0),
        key: [UInt8]? = nil, value: [UInt8]?, headers: [RecordHeader] = []
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
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }

    /// The value decoded as UTF-8.
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }

    public var description: String {
        "ConsumerRecord(\(topic)-\(partition)@\(offset), key: \(keyString ?? "null"), \(value?.count ?? 0) bytes)"
    }
}
