import KafkaClient

/// A record whose key or value could not be turned into the listener's type.
///
/// It keeps the record's raw key and value bytes and where the record was, so an error handler (or a
/// dead-letter recoverer) can forward the record untouched. Today a typed listener throws it: the
/// container logs the failure, emits `listenerFailed`, counts the record as processed and goes on.
public struct DeserializationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which part of the record failed.
    public enum Part: String, Sendable, Hashable {
        /// The record's key.
        case key
        /// The record's value.
        case value
    }

    /// The record's topic.
    public var topic: String
    /// The record's partition.
    public var partition: Int32
    /// The record's offset.
    public var offset: Int64
    /// Which part failed.
    public var part: Part
    /// The type that was expected.
    public var targetType: String
    /// Why it failed.
    public var reason: String
    /// The raw key bytes (`nil`: the record had no key).
    public var rawKey: [UInt8]?
    /// The raw value bytes (`nil`: tombstone).
    public var rawValue: [UInt8]?
    /// The record's headers.
    public var headers: [RecordHeader]

    /// Creates the error for `record`.
    public init(record: ConsumerRecord, part: Part, targetType: String, reason: String) {
        self.topic = record.topic
        self.partition = record.partition
        self.offset = record.offset
        self.part = part
        self.targetType = targetType
        self.reason = reason
        self.rawKey = record.key?.array
        self.rawValue = record.value?.array
        self.headers = record.headers
    }

    public var description: String {
        "cannot deserialize the \(part) of \(topic)-\(partition)@\(offset) as \(targetType): \(reason) "
            + "(key \(rawKey.map { "\($0.count) bytes" } ?? "null"), value \(rawValue.map { "\($0.count) bytes" } ?? "null"))"
    }
}

/// A payload that does not decode will not decode on a retry: the error handler recovers it at once.
extension DeserializationError: NotRetryableError {}
