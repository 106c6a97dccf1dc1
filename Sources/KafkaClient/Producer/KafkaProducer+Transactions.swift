import Crdkafka

/// Kafka transactions (a producer created with `transactional.id`): the records sent between
/// ``KafkaProducer/beginTransaction()`` and ``KafkaProducer/commitTransaction(timeout:)``, and the consumer
/// offsets sent with ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)``, become visible to
/// `read_committed` consumers together, or not at all.
///
/// Each call runs on the producer's own thread (the blocking ones wait there, never on Swift's cooperative pool).
/// A failure is a ``KafkaError`` with librdkafka's verdict: ``KafkaError/isRetriable`` (call it again),
/// ``KafkaError/requiresTransactionAbort`` (call ``KafkaProducer/abortTransaction(timeout:)``, then begin a new
/// one), or ``KafkaError/isFatal`` (the producer is unusable; ``KafkaError/isFenced`` when another producer
/// with the same `transactional.id` took over).
extension KafkaProducer {
    /// Registers the `transactional.id` with the transaction coordinator and completes or aborts what an earlier
    /// producer of the same id left open (fencing that producer). Call it once, before the first transaction.
    ///
    /// - Throws: ``KafkaError``; `.timedOut` if the coordinator did not answer within `timeout`.
    public func initTransactions(timeout: Duration = .seconds(30)) async throws {
        let core = self.core
        try await thread.run("initialize transactions") {
            try core.transactionCall("initialize transactions") { rd_kafka_init_transactions($0, timeout.milliseconds) }
        }
    }

    /// Starts a transaction (a local step: the broker hears of it with the first record or offsets).
    public func beginTransaction() async throws {
        let core = self.core
        try await thread.run("begin a transaction") {
            try core.transactionCall("begin a transaction") { rd_kafka_begin_transaction($0) }
        }
    }

    /// Adds consumed offsets (each the next offset to read) to the transaction, as commits of the consumer group
    /// `groupMetadata` names: they are committed when the transaction commits, and dropped when it aborts.
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata, timeout: Duration = .seconds(30)
    ) async throws {
        guard !offsets.isEmpty else { return }
        let core = self.core
        try await thread.run("send offsets to the transaction") {
            try core.sendOffsets(offsets, groupMetadata: groupMetadata, timeout: timeout)
        }
    }

    /// Delivers the transaction's records that are still queued, then commits the transaction.
    public func commitTransaction(timeout: Duration = .seconds(30)) async throws {
        let core = self.core
        try await thread.run("commit the transaction") {
            try core.transactionCall("commit the transaction") { rd_kafka_commit_transaction($0, timeout.milliseconds) }
        }
    }

    /// Aborts the transaction: its records are marked aborted (hidden from `read_committed` consumers) and its
    /// offsets are dropped.
    public func abortTransaction(timeout: Duration = .seconds(30)) async throws {
        let core = self.core
        try await thread.run("abort the transaction") {
            try core.transactionCall("abort the transaction") { rd_kafka_abort_transaction($0, timeout.milliseconds) }
        }
    }
}
