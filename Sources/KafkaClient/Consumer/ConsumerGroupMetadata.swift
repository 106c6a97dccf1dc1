import Crdkafka

/// A consumer's group membership at one moment (group id, generation, member id), as a transactional producer
/// needs it to commit consumed offsets inside its transaction (``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)``).
///
/// It holds librdkafka's serialized form, so it is a plain value: no native resource travels with it. Take it
/// right before sending offsets (``ConsumerSession/groupMetadata()``): after a rebalance an older one is refused.
public struct ConsumerGroupMetadata: Sendable, Equatable {
    let bytes: [UInt8]

    /// Rebuilds librdkafka's object for the duration of `body` and destroys it afterwards, exactly once.
    func withNative<T>(operation: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        var native: OpaquePointer?
        let error = bytes.withUnsafeBytes { rd_kafka_consumer_group_metadata_read(&native, $0.baseAddress, $0.count) }
        if let error { throw KafkaError.consuming(error, operation: operation) }
        guard let native else {
            throw KafkaError(
                kind: .invalidArgument, message: "librdkafka could not read the group metadata", operation: operation)
        }
        defer { rd_kafka_consumer_group_metadata_destroy(native) }
        return try body(native)
    }
}

extension ConsumerSession {
    /// This consumer's group metadata now, for a transactional producer's
    /// ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)``.
    ///
    /// - Throws: `.closed` after the consumer closed, `.broker` if librdkafka has none (no `group.id`).
    public func groupMetadata() throws -> ConsumerGroupMetadata {
        let operation = "read the consumer's group metadata"
        guard !core.closed else { throw KafkaError.closed(operation: operation) }
        guard let native = rd_kafka_consumer_group_metadata(core.rk) else {
            throw KafkaError(kind: .broker, message: "the consumer has no group metadata", operation: operation)
        }
        defer { rd_kafka_consumer_group_metadata_destroy(native) }
        var buffer: UnsafeMutableRawPointer?
        var size = 0
        if let error = rd_kafka_consumer_group_metadata_write(native, &buffer, &size) {
            throw KafkaError.consuming(error, operation: operation)
        }
        guard let buffer else { return ConsumerGroupMetadata(bytes: []) }
        defer { rd_kafka_mem_free(nil, buffer) }
        return ConsumerGroupMetadata(bytes: Array(UnsafeRawBufferPointer(start: buffer, count: size)))
    }
}
