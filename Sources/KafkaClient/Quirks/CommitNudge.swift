import Crdkafka

extension LibrdkafkaQuirks {
    /// Wakes librdkafka's main thread while a synchronous commit waits for its answer (`CommitNudge`).
    ///
    /// Symptom without it: a commit sent while the group coordinator is still being looked up (typically a fresh
    /// consumer's first commit) is parked and goes out only on librdkafka's next one-second timer tick, so a
    /// synchronous commit waits up to a second longer than its round trip. librdkafka's group handler moves parked
    /// requests on only in its periodic serve (`rd_kafka_cgrp_serve`, state `UP`), which is unchanged through the
    /// 2.x releases checked (up to 2.15): no release is known to make it unneeded. The mock cluster shows the
    /// symptom only as time, which tests do not measure; they check that the nudge commits nothing and that the
    /// switch decides.
    public static let commitNudge = LibrdkafkaQuirks(rawValue: 1 << 3)

    /// Every release: no fix is known.
    static let commitNudgeVersions = LibrdkafkaVersion.Range(from: LibrdkafkaVersion(0, 0, 0), below: nil)

    /// Gets a commit that librdkafka parked moving again: the ``LibrdkafkaQuirks/commitNudge`` quirk.
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
}
