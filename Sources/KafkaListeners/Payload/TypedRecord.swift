import KafkaClient

/// A record with its key and value decoded (Spring-Kafka's `ConsumerRecord<K, V>`); the raw record stays
/// available as ``raw``.
public struct TypedRecord<Key: Sendable, Value: Sendable>: Sendable {
    /// The decoded key.
    public var key: Key
    /// The decoded value.
    public var value: Value
    /// The record as read, with its raw bytes.
    public var raw: ConsumerRecord

    /// Creates a typed record.
    public init(key: Key, value: Value, raw: ConsumerRecord) {
        self.key = key
        self.value = value
        self.raw = raw
    }

    /// The topic.
    public var topic: String { raw.topic }
    /// The partition.
    public var partition: Int32 { raw.partition }
    /// The offset.
    public var offset: Int64 { raw.offset }
    /// The timestamp.
    public var timestamp: RecordTimestamp { raw.timestamp }
    /// The headers, with typed access (``RecordHeaders/value(_:as:)``).
    public var headers: RecordHeaders { RecordHeaders(raw.headers) }
}

/// Decodes a raw record into a ``TypedRecord`` with two deserializers.
public struct RecordDecoder<Key: Sendable, Value: Sendable>: Sendable {
    let key: any Deserializer<Key>
    let value: any Deserializer<Value>

    /// Creates a decoder from a key and a value deserializer.
    public init(key: any Deserializer<Key>, value: any Deserializer<Value>) {
        self.key = key
        self.value = value
    }

    /// Decodes `record`.
    ///
    /// - Throws: ``DeserializationError`` with the raw bytes when either part cannot be decoded.
    public func decode(_ record: ConsumerRecord) throws(DeserializationError) -> TypedRecord<Key, Value> {
        let decodedKey: Key
        let decodedValue: Value
        do { decodedKey = try key.deserialize(record.key, headers: record.headers) } catch {
            throw DeserializationError(record: record, part: .key, targetType: "\(Key.self)", reason: "\(error)")
        }
        do { decodedValue = try value.deserialize(record.value, headers: record.headers) } catch {
            throw DeserializationError(record: record, part: .value, targetType: "\(Value.self)", reason: "\(error)")
        }
        return TypedRecord(key: decodedKey, value: decodedValue, raw: record)
    }
}

extension RecordDecoder where Key: KafkaPayload, Value: KafkaPayload {
    /// The decoder using the types' own ``KafkaPayload`` formats.
    public init() {
        self.init(key: PayloadDeserializer<Key>(), value: PayloadDeserializer<Value>())
    }
}
