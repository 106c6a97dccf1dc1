import Crdkafka

/// One assigned partition's own librdkafka queue, split off the consumer queue so its records can be
/// fetched separately from the other partitions' (for per-partition workers).
///
/// Obtain it from ``ConsumerSession/partitionQueue(for:)`` right after the partition is assigned
/// (the `.assigned` rebalance event), before the consumer polls again. Rebalance events still arrive
/// through the consumer's own poll, so keep polling the consumer. The queue is destroyed when its
/// partition is revoked or the consumer closes; polling it afterwards throws `.closed`. It is used only
/// on the consumer's thread.
public final class PartitionQueue: @unchecked Sendable {
    // Only touched on the owning consumer's thread; `queue` is nil once destroyed.
    private var queue: OpaquePointer?
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var capacity: Int
    /// The partition this queue carries.
    public let topicPartition: TopicPartition

    init?(rk: OpaquePointer, topicPartition: TopicPartition) {
        guard let queue = rd_kafka_queue_get_partition(rk, topicPartition.topic, topicPartition.partition) else { return nil }
        rd_kafka_queue_forward(queue, nil)
        self.queue = queue
        self.topicPartition = topicPartition
        self.capacity = 256
        self.buffer = .allocate(capacity: 256)
    }

    /// Calls `each` for up to `maxRecords` records of this partition, waiting at most `timeout` for the
    /// first; returns how many were delivered.
    @discardableResult
    func poll(maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void) throws -> Int {
        guard let queue else { throw KafkaError.closed(operation: "poll partition \(topicPartition)") }
        let want = max(1, maxRecords)
        if want > capacity {
            buffer.deallocate()
            buffer = .allocate(capacity: want)
            capacity = want
        }
        var count = rd_kafka_consume_batch_queue(queue, 0, buffer, want)
        if count == 0 && timeout.milliseconds > 0 {
            count = rd_kafka_consume_batch_queue(queue, timeout.milliseconds, buffer, 1)
            if count == 1 && want > 1 {
                let more = rd_kafka_consume_batch_queue(queue, 0, buffer + 1, want - 1)
                if more > 0 { count += more }
            }
        }
        if count < 0 { throw KafkaError.rdkafka(rd_kafka_last_error(), operation: "poll partition \(topicPartition)") }
        var cache: (OpaquePointer?, String) = (nil, "")
        var delivered = 0
        var thrown: Error?
        for index in 0..<count {
            let message = UnsafePointer<rd_kafka_message_t>(buffer[index]!)
            defer { rd_kafka_message_destroy(UnsafeMutablePointer(mutating: message)) }
            guard thrown == nil, message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            do {
                try each(MessageConversion.record(from: message, topicCache: &cache))
                delivered += 1
            } catch {
                thrown = error
            }
        }
        if let thrown { throw thrown }
        return delivered
    }

    /// Interrupts a blocking poll of this queue; safe from any thread while the queue is alive.
    func wakeUp() {
        if let queue { rd_kafka_queue_yield(queue) }
    }

    /// Frees the native queue; later calls do nothing.
    func destroy() {
        guard let queue else { return }
        rd_kafka_queue_destroy(queue)
        self.queue = nil
        buffer.deallocate()
        capacity = 0
    }

    deinit {
        if let queue {
            rd_kafka_queue_destroy(queue)
            buffer.deallocate()
        }
    }
}
