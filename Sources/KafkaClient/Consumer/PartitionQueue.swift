import Crdkafka
import Logging

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
    private var batch: MessageBatch
    private let waker: LibrdkafkaQuirks.FetchWaker
    private let logger: Logger
    /// A split queue has its own prefetch limits, so its own restarter.
    private var fetchRestarter: LibrdkafkaQuirks.FetchRestarter
    /// The partition this queue carries.
    public let topicPartition: TopicPartition

    init?(
        rk: OpaquePointer, topicPartition: TopicPartition, fetchRestarter: LibrdkafkaQuirks.FetchRestarter,
        waker: LibrdkafkaQuirks.FetchWaker, headersInPlace: Bool, logger: Logger
    ) {
        guard let queue = rd_kafka_queue_get_partition(rk, topicPartition.topic, topicPartition.partition) else {
            return nil
        }
        rd_kafka_queue_forward(queue, nil)
        self.queue = queue
        self.batch = MessageBatch(capacity: 256, headersInPlace: headersInPlace)
        self.waker = waker
        self.logger = logger
        self.fetchRestarter = fetchRestarter
        self.topicPartition = topicPartition
    }

    /// Calls `each` for up to `maxRecords` records of this partition, waiting at most `timeout` for the
    /// first; returns how many were delivered.
    @discardableResult
    func poll(maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void) throws -> Int {
        guard let queue else { throw KafkaError.closed(operation: "poll partition \(topicPartition)") }
        let count = try batch.fetch(
            from: queue, maxRecords: maxRecords, timeout: timeout, operation: "poll partition \(topicPartition)")
        let bytes = batch.byteCount(count: count)
        let delivered = try batch.deliver(count: count, bytes: bytes, onError: { _ in }, each: each)
        fetchRestarter.afterPoll(
            queue: queue, records: count, bytes: bytes, waker: waker, partition: topicPartition, logger: logger)
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
        batch.free()
    }

    deinit {
        if let queue {
            rd_kafka_queue_destroy(queue)
            batch.free()
        }
    }
}
