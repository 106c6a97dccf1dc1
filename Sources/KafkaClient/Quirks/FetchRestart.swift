import Crdkafka
import Logging
import Synchronization

extension LibrdkafkaQuirks {
    /// Wakes librdkafka's fetcher when a consumer has drained a full prefetch queue (`FetchRestarter`).
    ///
    /// Symptom without it: a consumer slower than its fetcher (any consumer with small `queued.min.messages` or
    /// `queued.max.messages.kbytes`) stops receiving records for up to a second each time its local queue has
    /// filled up and drained, because the fetcher backs off for a fixed second. librdkafka 2.2.0 adds
    /// `fetch.queue.backoff.ms`, which sets that back-off, so from 2.2.0 on the quirk is off and the back-off is
    /// configured instead. The mock cluster shows the stall only as time; tests show the wake-ups
    /// (``KafkaConsumer/fetchRestarts``) and that every record arrives either way.
    public static let fetchRestart = LibrdkafkaQuirks(rawValue: 1 << 1)

    /// Before 2.2.0 (`fetch.queue.backoff.ms`).
    static let fetchRestartVersions = LibrdkafkaVersion.Range(
        from: LibrdkafkaVersion(0, 0, 0), below: LibrdkafkaVersion(2, 2, 0))

    /// Restarts librdkafka's fetcher as soon as the consumer has drained its prefetch queue, instead of
    /// letting it sleep out its one-second wait.
    ///
    /// Before librdkafka 2.2.0 (`fetch.queue.backoff.ms`), a partition whose local queue reached
    /// `queued.min.messages` or `queued.max.messages.kbytes` is dropped from the fetch list until its broker
    /// thread next wakes up: after up to one second (`rd_kafka_max_block_ms`), or when some request is queued
    /// on that broker. A consumer that is slower than the fetcher hits the limit on every refill and loses up
    /// to a second each time, so bounding the prefetch (to bound memory) used to cost most of the throughput.
    ///
    /// This watches the consumer queue's length after each poll. Once it was near a limit (the fetcher has
    /// likely stopped) and has fallen to half of it, one `ListOffsets` request per leader broker of the
    /// assignment (`rd_kafka_offsets_for_times`) wakes those broker threads, which then see the queue below
    /// its limit and fetch again. It runs on the consumer's thread only and costs one `rd_kafka_queue_length`
    /// per poll while nothing is near a limit.
    struct FetchRestarter {
        /// `queued.min.messages` in effect.
        let messageLimit: Int
        /// `queued.max.messages.kbytes` in effect, in bytes.
        let byteLimit: Int
        /// Whether the ``LibrdkafkaQuirks/fetchRestart`` quirk is in effect (decided once per consumer).
        let enabled: Bool
        /// Counts the wake-ups of every queue of one consumer (read through ``KafkaConsumer/fetchRestarts``).
        let counter: Counter
        private var armed = false
        /// Average key and value bytes per record, to estimate the queue's size from its length.
        private var bytesPerRecord = 0

        /// A consumer's count of wake-ups, shared by its consumer queue and its split partition queues.
        final class Counter: Sendable {
            let value = Atomic<Int>(0)
        }

        /// librdkafka's defaults for the two limits, used when the configuration leaves them unset.
        static let defaultMessageLimit = 100_000
        static let defaultKilobyteLimit = 65_536

        init(configuration: KafkaConfiguration, enabled: Bool, counter: Counter = Counter()) {
            self.counter = counter
            messageLimit = configuration["queued.min.messages"].flatMap { Int($0) } ?? Self.defaultMessageLimit
            let kilobytes = configuration["queued.max.messages.kbytes"].flatMap { Int($0) } ?? Self.defaultKilobyteLimit
            let (bytes, overflow) = kilobytes.multipliedReportingOverflow(by: 1024)
            byteLimit = overflow ? (kilobytes > 0 ? .max : .min) : bytes
            self.enabled = enabled
        }

        /// The same limits with nothing observed yet (for a newly split queue).
        func reset() -> FetchRestarter {
            var copy = self
            copy.armed = false
            copy.bytesPerRecord = 0
            return copy
        }

        /// Notes the queue after a poll that delivered `records` records of `bytes` key and value bytes;
        /// returns whether the fetcher should be woken now.
        mutating func shouldWake(queued: Int, records: Int, bytes: Int) -> Bool {
            guard enabled else { return false }
            if records > 0 { bytesPerRecord = max(1, bytes / records) }
            let estimatedBytes = queued * bytesPerRecord
            // Near a limit: the fetcher has probably taken the partitions off its fetch list.
            if queued * 5 >= messageLimit * 4 || estimatedBytes * 5 >= byteLimit * 4 {
                armed = true
                return false
            }
            guard armed, queued * 2 < messageLimit, estimatedBytes * 2 < byteLimit else { return false }
            armed = false
            counter.value.add(1, ordering: .relaxed)
            return true
        }

        /// Checks `queue` after a poll that delivered `records` records of `bytes` key and value bytes, and
        /// has `waker` wake the fetchers of `partition` (of the whole assignment for `nil`) when it has drained.
        /// Runs on the consumer's thread and never blocks it.
        mutating func afterPoll(
            queue: OpaquePointer, records: Int, bytes: Int, waker: FetchWaker, partition: TopicPartition? = nil,
            logger: Logger
        ) {
            if records > 0 { waker.recordsDelivered() }
            guard enabled else { return }
            guard shouldWake(queued: Int(rd_kafka_queue_length(queue)), records: records, bytes: bytes) else { return }
            logger.trace(
                "prefetch queue drained below its limit: waking the fetcher",
                metadata: ["partition": "\(partition.map { "\($0)" } ?? "all")"])
            waker.wake(partition: partition)
        }

        /// Wakes the broker threads that lead `partition` (every assigned partition for `nil`) with one
        /// `ListOffsets` request each (the answers are ignored). Blocks the calling thread for one round trip,
        /// at most `timeoutMs`: `FetchWaker` calls it on a thread of its own.
        static func wakeFetchers(_ rk: OpaquePointer, partition: TopicPartition?, timeoutMs: Int32 = 500) {
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            if let partition {
                list = rd_kafka_topic_partition_list_new(1)
                if let list { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
            } else if rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR {
                list = nil
            }
            guard let list else { return }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            guard list.pointee.cnt > 0 else { return }
            // The "timestamp" to look up: the special value for the latest offset, which every broker answers.
            for index in 0..<Int(list.pointee.cnt) { list.pointee.elems[index].offset = Int64(RD_KAFKA_OFFSET_END) }
            _ = rd_kafka_offsets_for_times(rk, list, timeoutMs)
        }
    }
}
