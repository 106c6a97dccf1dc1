import KafkaClient

/// A type that handles records one at a time (Spring-Kafka's `MessageListener`).
public protocol MessageListener: Sendable {
    /// Handles one record. Throwing does not stop the container: the failure is logged, counted and
    /// emitted as an event, and the endpoint's ``ErrorHandler`` retries the record or recovers it.
    func onMessage(_ record: ConsumerRecord, context: ListenerContext) async throws
}

/// A type that handles all records of one poll at once (Spring-Kafka's `BatchMessageListener`).
public protocol BatchMessageListener: Sendable {
    /// Handles one poll's records (never empty), in partition order within each partition.
    func onBatch(_ records: [ConsumerRecord], context: ListenerContext) async throws
}

/// The code a container calls: a record listener or a batch listener.
///
/// Build one from a closure (`.record { record, context in … }`) or from a type conforming to
/// ``MessageListener`` or ``BatchMessageListener``.
public enum Listener: Sendable {
    /// One record at a time.
    case record(RecordHandler)
    /// All records of one poll.
    case batch(BatchHandler)

    /// A record listener's function. It runs on the caller's executor (`nonisolated(nonsending)`): the
    /// container calls it from its poll loop on the consumer's thread without a hop per record.
    public typealias RecordHandler = nonisolated(nonsending) @Sendable (ConsumerRecord, ListenerContext) async throws -> Void
    /// A batch listener's function; runs on the caller's executor like ``RecordHandler``.
    public typealias BatchHandler = nonisolated(nonsending) @Sendable ([ConsumerRecord], ListenerContext) async throws -> Void

    /// A record listener from a conforming type.
    public static func record(_ listener: some MessageListener) -> Listener {
        .record { record, context in try await listener.onMessage(record, context: context) }
    }

    /// A batch listener from a conforming type.
    public static func batch(_ listener: some BatchMessageListener) -> Listener {
        .batch { records, context in try await listener.onBatch(records, context: context) }
    }

    /// Whether this is a batch listener.
    public var isBatch: Bool {
        if case .batch = self { return true }
        return false
    }
}
