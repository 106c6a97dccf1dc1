import KafkaClient

/// A record's headers with typed access: `headers.value("retries", as: Int32.self)`.
public struct RecordHeaders: Sendable, Hashable, RandomAccessCollection {
    /// The headers in the order they were sent.
    public var all: [RecordHeader]

    /// Wraps `headers`.
    public init(_ headers: [RecordHeader]) { self.all = headers }

    /// The first position.
    public var startIndex: Int { all.startIndex }
    /// The position after the last header.
    public var endIndex: Int { all.endIndex }
    /// The header at `position`.
    public subscript(position: Int) -> RecordHeader { all[position] }

    /// The raw value of the last header named `key` (Kafka's rule for repeated keys); `nil` if absent.
    public subscript(key: String) -> [UInt8]? { all.lastValue(for: key) }

    /// The last header named `key` decoded as `T`; `nil` if there is no such header.
    ///
    /// - Throws: ``PayloadError`` when the header exists but does not decode as `T`.
    public func value<T: KafkaPayload>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let header = all.last(where: { $0.key == key }) else { return nil }
        return try T.decode(header.value.map { KafkaBytes($0) }, headers: all)
    }
}

extension RecordHeader {
    /// A header whose value is `value`'s ``KafkaPayload`` encoding.
    public static func encoding(_ key: String, _ value: some KafkaPayload) throws -> RecordHeader {
        RecordHeader(key: key, value: try value.encode())
    }
}

extension ProducerRecord {
    /// A record whose key and value are encoded by their ``KafkaPayload`` formats.
    public static func encoding(
        topic: String, partition: Int32? = nil, key: (some KafkaPayload)?, value: some KafkaPayload,
        headers: [RecordHeader] = []
    ) throws -> ProducerRecord {
        ProducerRecord(
            topic: topic, partition: partition, key: try key?.encode() ?? nil, value: try value.encode(),
            headers: headers)
    }

    /// A record with an unkeyed value encoded by its ``KafkaPayload`` format.
    public static func encoding(
        topic: String, partition: Int32? = nil, value: some KafkaPayload, headers: [RecordHeader] = []
    ) throws
        -> ProducerRecord
    {
        ProducerRecord(topic: topic, partition: partition, key: nil, value: try value.encode(), headers: headers)
    }
}
