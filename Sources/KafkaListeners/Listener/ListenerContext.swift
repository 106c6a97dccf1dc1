import KafkaClient

/// The records one listener call covers.
enum RecordScope: Sendable {
    case record(TopicPartition, Int64)
    case batch([ConsumerRecord])

    var entries: [(TopicPartition, Int64)] {
        switch self {
        case .record(let tp, let offset): [(tp, offset)]
        case .batch(let records): records.map { ($0.topicPartition, $0.offset) }
        }
    }
}

/// What a listener gets beside its records: where they came from, the acknowledgment handle (manual ack
/// modes), a way to seek, and the container's identity and settings.
///
/// Building a context costs no allocation: it refers to the container and to the call's records.
public struct ListenerContext: Sendable {
    let scope: RecordScope
    let control: any ContainerControl

    init(scope: RecordScope, control: any ContainerControl) {
        self.scope = scope
        self.control = control
    }

    /// The id of the child container running the listener (`<listener id>-<n>`).
    public var containerId: String { control.id }
    /// The listener's id.
    public var listenerId: String { control.listenerId }
    /// The endpoint's settings.
    public var endpoint: ListenerEndpoint { control.endpoint }

    /// The partition of a record listener's record (for a batch: the first record's partition).
    public var topicPartition: TopicPartition? {
        switch scope {
        case .record(let tp, _): tp
        case .batch(let records): records.first?.topicPartition
        }
    }

    /// The first and last offset of this call's records, per partition.
    public var offsets: [TopicPartition: ClosedRange<Int64>] {
        var result: [TopicPartition: ClosedRange<Int64>] = [:]
        for (tp, offset) in scope.entries {
            result[tp] = result[tp].map { min($0.lowerBound, offset)...max($0.upperBound, offset) } ?? offset...offset
        }
        return result
    }

    /// The acknowledgment handle; acknowledging matters only in manual ack modes.
    public var acknowledgment: Acknowledgment { Acknowledgment(scope: scope, control: control) }

    /// Asks the container to continue `partition` from `offset`: the rest of this poll's records of that
    /// partition are skipped, and from the next poll boundary records from `offset` on are delivered (again).
    public func seek(_ partition: TopicPartition, to offset: Int64) {
        control.seek(partition, to: .offset(offset))
    }

    /// Asks the container to move `partition` to `position` (the beginning, the end, a timestamp, a relative
    /// position; Spring-Kafka's `ConsumerSeekCallback`): the rest of this poll's records of that partition are
    /// skipped, and the position is resolved and applied at the next poll boundary.
    public func seek(_ partition: TopicPartition, to position: SeekPosition) {
        control.seek(partition, to: position)
    }

    /// Holds this call's record back until `deadline` (retry topics): its partition is sought back to it and
    /// paused until then. The caller must not finish the record (throw ``RecordHeld``).
    func hold(until deadline: ContinuousClock.Instant) throws {
        guard case .record(let tp, let offset) = scope else {
            throw ListenerError.invalidState("only a record listener's record can be held back")
        }
        try control.hold(tp, offset: offset, until: deadline)
    }
}

/// Acknowledges the records of one listener call (Spring-Kafka's `Acknowledgment`).
///
/// In `manual` mode acknowledged offsets are committed at the next poll boundary, in `manualImmediate`
/// at once (on the consumer's thread, without making the listener wait); only the contiguous acknowledged
/// prefix of a partition is ever committed. In automatic modes acknowledging does nothing.
public struct Acknowledgment: Sendable {
    let scope: RecordScope
    let control: any ContainerControl

    /// Acknowledges every record of this call.
    public func acknowledge() {
        control.acknowledge(scope.entries)
    }

    /// Acknowledges the batch's records at positions `0...index`.
    public func acknowledge(upTo index: Int) {
        control.acknowledge(Array(scope.entries.prefix(index + 1)))
    }

    /// Rejects the record (for a batch: the record at `index`; the batch's earlier records of the same
    /// partition count as acknowledged). Its partition is sought back to it and paused for `sleep`, then it
    /// is delivered again; other partitions keep flowing. Only in manual ack modes.
    ///
    /// - Throws: ``ListenerError/invalidState(_:)`` in automatic ack modes or for an index out of range.
    public func nack(index: Int = 0, sleep: Duration) throws {
        let entries = scope.entries
        guard index >= 0 && index < entries.count else {
            throw ListenerError.invalidState("nack index \(index) is outside the \(entries.count) records of this call")
        }
        let (tp, offset) = entries[index]
        try control.nack(tp, offset: offset, sleep: sleep, acknowledging: entries.prefix(index).filter { $0.0 == tp })
    }
}

/// What a listener call can ask of its container; implemented by the containers.
protocol ContainerControl: Sendable {
    var id: String { get }
    var listenerId: String { get }
    var endpoint: ListenerEndpoint { get }
    func acknowledge(_ records: [(TopicPartition, Int64)])
    func nack(
        _ partition: TopicPartition, offset: Int64, sleep: Duration, acknowledging: [(TopicPartition, Int64)]) throws
    func seek(_ partition: TopicPartition, to position: SeekPosition)
    /// Holds a record back: seek its partition back to it and pause the partition until `deadline`.
    func hold(_ partition: TopicPartition, offset: Int64, until deadline: ContinuousClock.Instant) throws
    /// The container's transactions, for a transactional listener.
    var transactions: ContainerTransactions? { get }
}

extension ContainerControl {
    /// Containers that cannot hold records back refuse.
    func hold(_ partition: TopicPartition, offset: Int64, until deadline: ContinuousClock.Instant) throws {
        throw ListenerError.invalidState("container '\(id)' cannot hold records back")
    }
}
