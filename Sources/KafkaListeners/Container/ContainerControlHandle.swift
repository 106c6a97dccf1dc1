import KafkaClient

/// What a ``ListenerContext`` holds to reach its container: a small object of its own.
///
/// Every listener call builds a context, which retains this handle. Retaining the container itself cost
/// the slow reference-count path on every record, because the container is weakly referenced elsewhere
/// (Swift then keeps its counts in a side table). The handle refers to the container weakly, so a context
/// kept after its container is gone makes its calls do nothing (and `nack` throw) instead of keeping the
/// container alive.
///
/// `@unchecked Sendable`: `container` is written once, in the container's initializer, before the handle is
/// shared; the other properties are constants.
final class ContainerControlHandle: ContainerControl, @unchecked Sendable {
    private(set) weak var container: SingleContainer?
    let id: String
    let listenerId: String
    let endpoint: ListenerEndpoint

    init(id: String, listenerId: String, endpoint: ListenerEndpoint) {
        self.id = id
        self.listenerId = listenerId
        self.endpoint = endpoint
    }

    /// Called once by the container's initializer.
    func attach(_ container: SingleContainer) {
        self.container = container
    }

    func acknowledge(_ records: [(TopicPartition, Int64)]) {
        container?.acknowledge(records)
    }

    func nack(
        _ partition: TopicPartition, offset: Int64, sleep: Duration, acknowledging: [(TopicPartition, Int64)]
    ) throws {
        guard let container else { throw ListenerError.invalidState("container '\(id)' no longer exists") }
        try container.nack(partition, offset: offset, sleep: sleep, acknowledging: acknowledging)
    }

    var transactions: ContainerTransactions? { container?.transactions }

    func seek(_ partition: TopicPartition, to position: SeekPosition) {
        container?.seek(partition, to: position)
    }

    func hold(_ partition: TopicPartition, offset: Int64, until deadline: ContinuousClock.Instant) throws {
        guard let container else { throw ListenerError.invalidState("container '\(id)' no longer exists") }
        container.hold(partition, offset: offset, until: deadline)
    }
}
