import Crdkafka

/// Gets a commit that librdkafka 2.0.2 parked moving again.
///
/// A commit made while the group coordinator is still being looked up (a fresh consumer's first commit, when its
/// records arrive before the lookup is done) is parked by librdkafka's group handler and retried only when its
/// main thread next wakes up, which it otherwise does once a second; a synchronous commit then waits that second.
/// Any request queued for the group handler wakes that thread, and the parked commit goes out if the coordinator
/// is known by then. The request used is a commit of an empty list: librdkafka answers it at once with "no
/// offsets" and commits nothing (it never falls back to the offset store, which only a missing list does). It is
/// queued without waiting, and its answer goes to a queue that is dropped right away.
enum CommitNudge {
    /// Wakes `rk`'s main thread with a request that commits nothing. Returns at once.
    static func wakeMainThread(_ rk: OpaquePointer) {
        guard let empty = rd_kafka_topic_partition_list_new(0) else { return }
        defer { rd_kafka_topic_partition_list_destroy(empty) }
        guard let answers = rd_kafka_queue_new(rk) else { return }
        _ = rd_kafka_commit_queue(rk, empty, answers, nil, nil)
        rd_kafka_queue_destroy(answers)  // the "no offsets" answer is discarded when it arrives
    }
}
