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
    /// One record at a time, by a function that never suspends (Spring-Kafka's listeners are all like this).
    ///
    /// Use it for listeners that do not `await` (`.record { … }` with a body without `await` becomes one by
    /// itself): containers call it without an async call per record, which saves about 45 ns per record on a
    /// 2-core machine (`Docs/Listeners.md`). Everything else is the same as `.record`: error handling, ack modes,
    /// interceptors, tracing and per-partition workers (interceptors and tracing call it through an async wrapper).
    case syncRecord(SyncRecordHandler)

    /// A record listener's function. It runs on the caller's executor (`nonisolated(nonsending)`): the
    /// container calls it from its poll loop on the consumer's thread without a hop per record.
    public typealias RecordHandler =
        nonisolated(nonsending) @Sendable (ConsumerRecord, ListenerContext) async throws -> Void
    /// A batch listener's function; runs on the caller's executor like ``RecordHandler``.
    public typealias BatchHandler =
        nonisolated(nonsending) @Sendable ([ConsumerRecord], ListenerContext) async throws -> Void
    /// A synchronous record listener's function, called on the consumer's thread like ``RecordHandler``.
    public typealias SyncRecordHandler = @Sendable (ConsumerRecord, ListenerContext) throws -> Void

    /// A record listener from a closure that never suspends: the same listener as ``syncRecord(_:)``.
    ///
    /// A closure literal without `await` picks this overload (Swift prefers it to converting the closure to an
    /// async function), so `.record { record, _ in … }` is called without an async call per record when its body
    /// does not await, and as an async function when it does. Behaviour is the same either way.
    public static func record(_ handler: @escaping SyncRecordHandler) -> Listener {
        .syncRecord(handler)
    }

    /// A record listener from a conforming type.
    public static func record(_ listener: some MessageListener) -> Listener {
        .record { record, context in try await listener.onMessage(record, context: context) }
    }

    /// A batch listener from a conforming type.
    public static func batch(_ listener: some BatchMessageListener) -> Listener {
        .batch { records, context in try await listener.onBatch(records, context: context) }
    }

    /// The record listener's function as an async one (`nil` for a batch listener).
    public var recordHandler: RecordHandler? {
        switch self {
        case .record(let handler): handler
        case .syncRecord(let handler): { record, context in try handler(record, context) }
        case .batch: nil
        }
    }

    /// Whether this is a batch listener.
    public var isBatch: Bool {
        if case .batch = self { return true }
        return false
    }
}
