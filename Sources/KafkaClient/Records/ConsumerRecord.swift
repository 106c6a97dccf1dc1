/// A record read from Kafka, with its bytes copied out of librdkafka.
///
/// A `ConsumerRecord` owns copies of its key, value and headers, so it may be kept, sent to another task or
/// stored after the consumer that read it is closed: no `rd_kafka_message_t` lives behind it. The keys and
/// values of one poll share one buffer (see ``KafkaBytes``).
///
/// It is laid out to be cheap to copy: key and value are ranges of one shared buffer (one reference), and a
/// record without headers shares the empty array's storage.
public struct ConsumerRecord: Sendable, Hashable, CustomStringConvertible {
    /// The topic it was read from.
    public var topic: String
    /// The partition it was read from.
    public var partition: Int32
    /// Its offset in the partition.
    public var offset: Int64
    private var timestampMilliseconds: Int64
    private var timestampKind: RecordTimestamp.Kind
    /// Byte counts of key and value in `bytes`; -1 means `nil`.
    private var keyCount: Int32
    private var valueCount: Int32
    private var keyStart: Int
    private var valueStart: Int
    /// The buffer both key and value are read from.
    private var bytes: ByteStorage
    /// Not optional on purpose: with an optional array here the optimizer built every record in a
    /// temporary and copied it out (three retains and three releases per record); an empty array is
    /// the shared empty storage.
    private var storedHeaders: [RecordHeader]

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
    ///
    /// When key and value live in different buffers, both are copied into a new one (records read from
    /// Kafka never take this path: a poll's keys and values share one buffer already).
    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: RecordTimestamp, key: KafkaBytes?,
        bytes value: KafkaBytes?,
        headers: [RecordHeader]
    ) {
        self.init(
            topic: topic, partition: partition, offset: offset, timestamp: timestamp, storage: .empty, key: nil,
            value: nil,
            headers: headers)
        setBytes(key: key, value: value)
    }

    /// Creates a record whose key and value are ranges of `storage` (the consumer's conversion uses this).
    @inline(__always)
    init(
        topic: String, partition: Int32, offset: Int64, timestamp: RecordTimestamp, storage: ByteStorage,
        key: (start: Int, count: Int)?, value: (start: Int, count: Int)?, headers: [RecordHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMilliseconds = timestamp.milliseconds
        self.timestampKind = timestamp.kind
        self.bytes = storage
        self.keyStart = key?.start ?? 0
        self.keyCount = key.map { Int32($0.count) } ?? -1
        self.valueStart = value?.start ?? 0
        self.valueCount = value.map { Int32($0.count) } ?? -1
        self.storedHeaders = headers
    }

    /// When it was created or appended.
    public var timestamp: RecordTimestamp {
        get { RecordTimestamp(kind: timestampKind, milliseconds: timestampMilliseconds) }
        set {
            timestampKind = newValue.kind
            timestampMilliseconds = newValue.milliseconds
        }
    }

    /// The key, or `nil` for an unkeyed record.
    public var key: KafkaBytes? {
        get { keyCount < 0 ? nil : KafkaBytes(storage: bytes, start: keyStart, count: Int(keyCount)) }
        set { setBytes(key: newValue, value: value) }
    }

    /// The value, or `nil` for a tombstone.
    public var value: KafkaBytes? {
        get { valueCount < 0 ? nil : KafkaBytes(storage: bytes, start: valueStart, count: Int(valueCount)) }
        set { setBytes(key: key, value: newValue) }
    }

    /// The headers in the order they were sent.
    public var headers: [RecordHeader] {
        get { storedHeaders }
        set { storedHeaders = newValue }
    }

    /// Points key and value at one buffer, copying them into a new one when they live in two.
    private mutating func setBytes(key: KafkaBytes?, value: KafkaBytes?) {
        precondition(
            (key?.count ?? 0) <= Int(Int32.max) && (value?.count ?? 0) <= Int(Int32.max),
            "a record's key or value is over 2 GiB")
        if let key, let value, key.storage !== value.storage {
            let storage = ByteStorage(capacity: key.count + value.count)
            key.withUnsafeBytes {
                if let base = $0.baseAddress { storage.pointer.copyMemory(from: base, byteCount: $0.count) }
            }
            value.withUnsafeBytes {
                if let base = $0.baseAddress {
                    (storage.pointer + key.count).copyMemory(from: base, byteCount: $0.count)
                }
            }
            bytes = storage
            (keyStart, keyCount) = (0, Int32(key.count))
            (valueStart, valueCount) = (key.count, Int32(value.count))
            return
        }
        bytes = key?.storage ?? value?.storage ?? .empty
        (keyStart, keyCount) = key.map { ($0.start, Int32($0.count)) } ?? (0, -1)
        (valueStart, valueCount) = value.map { ($0.start, Int32($0.count)) } ?? (0, -1)
    }

    /// The record's topic-partition.
    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    /// The key decoded as UTF-8.
    public var keyString: String? { key?.utf8String }

    /// The value decoded as UTF-8.
    public var valueString: String? { value?.utf8String }

    public var description: String {
        "ConsumerRecord(\(topic)-\(partition)@\(offset), key: \(keyString ?? "null"), \(valueCount < 0 ? 0 : valueCount) bytes)"
    }

    public static func == (lhs: ConsumerRecord, rhs: ConsumerRecord) -> Bool {
        lhs.topic == rhs.topic && lhs.partition == rhs.partition && lhs.offset == rhs.offset
            && lhs.timestamp == rhs.timestamp
            && lhs.key == rhs.key && lhs.value == rhs.value && lhs.headers == rhs.headers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(partition)
        hasher.combine(offset)
        hasher.combine(value)
    }
}
