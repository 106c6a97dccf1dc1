import KafkaClient

extension ConsumerRecord {
    /// A record as a consumer would read it, for tests: text key and value (UTF-8).
    ///
    /// - Parameters:
    ///   - topic: the record's topic.
    ///   - partition: its partition.
    ///   - offset: its offset.
    ///   - key: its key (`nil`: none).
    ///   - value: its value (`nil`: a tombstone).
    ///   - headers: its headers.
    ///   - timestampMilliseconds: a create time in milliseconds since the Unix epoch (`nil`: no timestamp).
    public static func test(
        topic: String, partition: Int32 = 0, offset: Int64 = 0, key: String? = nil, value: String?,
        headers: [RecordHeader] = [], timestampMilliseconds: Int64? = nil
    ) -> ConsumerRecord {
        test(
            topic: topic, partition: partition, offset: offset, key: key.map { Array($0.utf8) },
            value: value.map { Array($0.utf8) },
            headers: headers, timestampMilliseconds: timestampMilliseconds)
    }

    /// A record as a consumer would read it, for tests: raw key and value bytes (`nil` value: a tombstone).
    ///
    /// - Parameters:
    ///   - topic: the record's topic.
    ///   - partition: its partition.
    ///   - offset: its offset.
    ///   - key: its key (`nil`: none).
    ///   - value: its value (`nil`: a tombstone).
    ///   - headers: its headers.
    ///   - timestampMilliseconds: a create time in milliseconds since the Unix epoch (`nil`: no timestamp).
    public static func test(
        topic: String, partition: Int32 = 0, offset: Int64 = 0, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [RecordHeader] = [], timestampMilliseconds: Int64? = nil
    ) -> ConsumerRecord {
        let timestamp =
            timestampMilliseconds.map { RecordTimestamp(kind: .createTime, milliseconds: $0) }
            ?? RecordTimestamp(kind: .notAvailable, milliseconds: 0)
        return ConsumerRecord(
            topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: key, value: value,
            headers: headers)
    }
}
