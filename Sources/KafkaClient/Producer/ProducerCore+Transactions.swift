import Crdkafka

/// The transactional calls, on the producer's own thread (each may block up to its timeout).
extension ProducerCore {
    /// Runs one transactional call; an `rd_kafka_error_t` it returns becomes a ``KafkaError`` (and is destroyed).
    func transactionCall(_ operation: String, _ call: (OpaquePointer) -> OpaquePointer?) throws {
        guard !isClosed else { throw KafkaError.closed(operation: operation) }
        if let error = call(handle.pointer) { throw KafkaError.consuming(error, operation: operation) }
    }

    func sendOffsets(
        _ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata, timeout: Duration
    ) throws {
        let operation = "send offsets to the transaction"
        guard !isClosed else { throw KafkaError.closed(operation: operation) }
        try groupMetadata.withNative(operation: operation) { metadata in
            try PartitionList.with(offsets) { list in
                if let error = rd_kafka_send_offsets_to_transaction(
                    handle.pointer, list, metadata, timeout.milliseconds)
                {
                    throw KafkaError.consuming(error, operation: operation)
                }
            }
        }
    }
}
