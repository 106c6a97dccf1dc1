import Crdkafka

/// Copies librdkafka messages into ``ConsumerRecord`` values.
enum MessageConversion {
    /// Copies `message` into a record. `topicCache` keeps the last topic name so a batch of one topic
    /// builds its `String` once; it is only valid while the batch's messages are alive. `headersInPlace`: the
    /// ``LibrdkafkaQuirks/wireHeaders`` quirk is in effect.
    @inline(__always)
    static func record(
        from message: UnsafePointer<rd_kafka_message_t>, topicCache: inout (OpaquePointer?, String),
        storage: ByteStorage,
        cursor: inout Int, headersInPlace: Bool
    ) -> ConsumerRecord {
        let m = message.pointee
        let topic: String
        if let rkt = m.rkt, rkt == topicCache.0 {
            topic = topicCache.1
        } else {
            topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            topicCache = (m.rkt, topic)
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &timestampType)
        let kind: RecordTimestamp.Kind =
            switch timestampType {
            case RD_KAFKA_TIMESTAMP_CREATE_TIME: .createTime
            case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: .logAppendTime
            default: .notAvailable
            }
        return ConsumerRecord(
            topic: topic, partition: m.partition, offset: m.offset,
            timestamp: RecordTimestamp(kind: kind, milliseconds: milliseconds), storage: storage,
            key: range(m.key, m.key_len, into: storage, at: &cursor),
            value: range(m.payload, m.len, into: storage, at: &cursor),
            headers: (headersInPlace ? LibrdkafkaQuirks.WireHeaders.read(message, timestamp: milliseconds) : nil)
                ?? libraryHeaders(of: message))
    }

    /// The key and value bytes a message needs in the poll's shared storage.
    @inline(__always)
    static func byteCount(of message: UnsafePointer<rd_kafka_message_t>) -> Int {
        let m = message.pointee
        return (m.key != nil ? m.key_len : 0) + (m.payload != nil ? m.len : 0)
    }

    /// Copies `count` bytes at `pointer` into `storage` at `cursor` (advancing it) and returns where they
    /// went; `nil` stays `nil`.
    @inline(__always)
    static func range(
        _ pointer: UnsafeMutableRawPointer?, _ count: Int, into storage: ByteStorage, at cursor: inout Int
    ) -> (start: Int, count: Int)? {
        guard let pointer else { return nil }
        if count > 0 { (storage.pointer + cursor).copyMemory(from: pointer, byteCount: count) }
        defer { cursor += count }
        return (cursor, count)
    }

    @inline(__always)
    static func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        if count == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.initialize(from: pointer.assumingMemoryBound(to: UInt8.self), count: count)
            initialized = count
        }
    }

    /// The headers of `message` through librdkafka's public API (`rd_kafka_message_headers`), which parses
    /// and allocates; used where ``LibrdkafkaQuirks/WireHeaders`` cannot read them in place.
    static func libraryHeaders(of message: UnsafePointer<rd_kafka_message_t>) -> [RecordHeader] {
        var native: OpaquePointer?
        guard rd_kafka_message_headers(message, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native else { return [] }
        var result: [RecordHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name
            else { break }
            result.append(
                RecordHeader(key: String(cString: name), value: bytes(UnsafeMutableRawPointer(mutating: value), size)))
            index += 1
        }
        return result
    }
}
