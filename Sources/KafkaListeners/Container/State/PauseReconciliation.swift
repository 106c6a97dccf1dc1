import KafkaClient

/// The one place that decides which partitions librdkafka must pause or resume: a partition is paused exactly
/// when it has at least one pause reason, whatever the sources of its reasons.
enum PauseReconciliation {
    /// What to tell librdkafka, and the paused set once it is done.
    struct Plan: Hashable, Sendable {
        /// Partitions to pause now (sorted).
        var pause: [TopicPartition]
        /// Partitions to resume now (sorted).
        var resume: [TopicPartition]
        /// The partitions paused in librdkafka afterwards.
        var paused: Set<TopicPartition>
    }

    /// Compares the assigned partitions' pause reasons with what librdkafka has paused now (`applied`); partitions
    /// no longer assigned are forgotten.
    static func plan(reasons: [TopicPartition: Set<PauseReason>], applied: Set<TopicPartition>) -> Plan {
        let desired = Set(reasons.filter { !$0.value.isEmpty }.keys)
        let current = applied.filter { reasons[$0] != nil }
        return Plan(
            pause: desired.subtracting(current).sorted(), resume: current.subtracting(desired).sorted(), paused: desired
        )
    }
}
