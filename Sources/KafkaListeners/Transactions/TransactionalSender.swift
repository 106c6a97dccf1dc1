import KafkaClient

/// Sends records inside the transaction of a transactional listener's current poll
/// (``ListenerContext/transactionalSender``): they become visible to `read_committed` consumers when the
/// transaction commits, together with the offsets of the records handled, and are discarded if it aborts.
///
/// Valid only while the listener call that received it runs; a send outside the transaction throws
/// `ListenerError.invalidState`.
public struct TransactionalSender: Sendable {
    let transactions: ContainerTransactions

    /// The producer's `transactional.id` (prefix + child container id).
    public var transactionalId: String { transactions.transactionalId }

    /// Sends `record` in the open transaction and returns where it was written once the broker acknowledged it.
    ///
    /// - Throws: the delivery error, or `ListenerError.invalidState` when no transaction is open.
    @discardableResult
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        try await transactions.openProducer().send(record)
    }

    /// Enqueues `record` in the open transaction without waiting for its acknowledgement; the commit delivers
    /// it before it commits (a record that cannot be delivered fails the commit, and the transaction aborts).
    public func sendAndForget(_ record: ProducerRecord) async throws {
        try await transactions.openProducer().sendAndForget(record)
    }
}

extension ListenerContext {
    /// Sends records in the transaction of this call's poll; `nil` unless the listener is transactional
    /// (``ListenerEndpoint/transactions``).
    public var transactionalSender: TransactionalSender? {
        control.transactions.map(TransactionalSender.init(transactions:))
    }
}

extension ContainerControl {
    var transactions: ContainerTransactions? { nil }
}
