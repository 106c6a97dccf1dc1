import KafkaClient

/// What the dispatch loop must leave out of the poll it is handing to the listener: partitions whose remaining
/// records are skipped (a nack, a seek or a retry moved them) and partitions whose remaining records are given
/// back (an immediate pause: sought back, so they come again after the resume).
///
/// Events arrive from any thread under the container's lock; the dispatch loop reads them when the container's
/// attention counter changed, and each poll starts afresh.
struct BatchInterruptions: Sendable {
    /// What an immediate pause asks to give back.
    enum GiveBack: Sendable, Equatable {
        case nothing
        /// The remaining records of these partitions.
        case partitions(Set<TopicPartition>)
        /// Every remaining record of the poll (a container pause).
        case all
    }

    /// Partitions whose remaining records of this poll are skipped.
    private(set) var interrupted: Set<TopicPartition> = []
    private var giveBack = GiveBack.nothing

    /// A new poll is handed to the listener: nothing of it is interrupted yet.
    mutating func newPoll() {
        interrupted = []
        giveBack = .nothing
    }

    /// The remaining records of `partitions` in this poll are skipped (they were sought elsewhere).
    mutating func interrupt(_ partitions: some Sequence<TopicPartition>) {
        interrupted.formUnion(partitions)
    }

    /// An immediate pause of one partition: its remaining records of this poll are given back.
    mutating func giveBack(_ partition: TopicPartition) {
        switch giveBack {
        case .all: break
        case .nothing: giveBack = .partitions([partition])
        case .partitions(var set):
            set.insert(partition)
            giveBack = .partitions(set)
        }
    }

    /// An immediate pause of the container: every remaining record of this poll is given back.
    mutating func giveBackAll() {
        giveBack = .all
    }

    /// The give-backs asked since the last call; the dispatch loop performs them once.
    mutating func takeGiveBack() -> GiveBack {
        defer { giveBack = .nothing }
        return giveBack
    }
}
