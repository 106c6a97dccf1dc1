import Crdkafka

/// A synchronous commit that has been sent and not yet waited for (``ConsumerSession/beginCommit(_:)``).
///
/// It lets the consumer's thread do other work on the same session (typically: take the next batch out of the
/// local prefetch queue) while the OffsetCommit round trip is under way, and then wait for the broker's answer
/// with ``wait()``. The answer comes on a queue of its own, so waiting serves nothing else of the consumer.
///
/// Wait for it on the consumer's thread, inside the session that began it, before the consumer closes; a
/// pending commit that is dropped without waiting still frees its queue, and its answer is discarded.
public final class PendingCommit {
    /// What was sent.
    public let offsets: [TopicPartitionOffset]
    private var queue: OpaquePointer?
    private var result: Result<[TopicPartitionOffset], KafkaError>?
    /// The consumer's handle, to wake librdkafka's main thread while waiting (`nil` when
    /// ``LibrdkafkaQuirks/commitNudge`` is not in effect).
    private let rk: OpaquePointer?

    /// A commit whose outcome is already known (nothing to send, or sending failed).
    init(offsets: [TopicPartitionOffset], result: Result<[TopicPartitionOffset], KafkaError>) {
        self.offsets = offsets
        self.result = result
        self.rk = nil
    }

    /// A commit sent with its answer routed to `queue` (owned from now on); `nudging` when the wait may wake
    /// `rk`'s main thread (``LibrdkafkaQuirks/commitNudge``).
    init(offsets: [TopicPartitionOffset], queue: OpaquePointer, rk: OpaquePointer, nudging: Bool) {
        self.offsets = offsets
        self.queue = queue
        self.rk = nudging ? rk : nil
    }

    /// Blocks the calling (consumer's) thread until the broker answered, as `rd_kafka_commit` does, and
    /// returns the committed offsets or the error. Later calls return the same outcome.
    public func wait() -> Result<[TopicPartitionOffset], KafkaError> {
        if let result { return result }
        guard let queue else { return .failure(KafkaError.closed(operation: "commit offsets")) }
        var outcome: Result<[TopicPartitionOffset], KafkaError>?
        var slice = Self.firstNudgeAfterMs
        while outcome == nil {
            // The queue carries only this commit's answer. A wait that returns empty wakes librdkafka's main
            // thread (a parked commit then goes out) and waits again, twice as long each time, up to a second.
            guard let event = rd_kafka_queue_poll(queue, slice) else {
                if let rk { LibrdkafkaQuirks.CommitNudge.wakeMainThread(rk) }
                slice = min(slice * 2, 1_000)
                continue
            }
            defer { rd_kafka_event_destroy(event) }
            guard rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT else { continue }
            outcome = PartitionList.commitOutcome(
                rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event).map { UnsafePointer($0) },
                sent: offsets)
        }
        rd_kafka_queue_destroy(queue)
        self.queue = nil
        result = outcome
        return outcome!
    }

    /// How long a commit may go unanswered before librdkafka's main thread is first woken (see
    /// ``LibrdkafkaQuirks/commitNudge``).
    static let firstNudgeAfterMs: Int32 = 2

    deinit {
        if let queue { rd_kafka_queue_destroy(queue) }
    }
}
