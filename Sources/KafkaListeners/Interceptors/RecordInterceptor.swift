import KafkaClient

/// Code around each record listener call (Spring-Kafka's `RecordInterceptor`).
///
/// For each call: ``intercept(_:context:)`` (every interceptor, in order; `nil` from any skips the record),
/// then the listener, then exactly one of ``success(_:context:)`` or ``failure(_:error:context:)``, then
/// ``afterRecord(_:context:)``. A retried record is a new call and goes through all of them again. Skipped
/// records get no further calls. Every method has a default that does nothing.
public protocol RecordInterceptor: Sendable {
    /// Sees (and may replace) a record before the listener; `nil` skips it.
    func intercept(_ record: ConsumerRecord, context: ListenerContext) async -> ConsumerRecord?
    /// The listener returned normally.
    func success(_ record: ConsumerRecord, context: ListenerContext) async
    /// The listener threw (the error handler decides what follows).
    func failure(_ record: ConsumerRecord, error: any Error, context: ListenerContext) async
    /// After `success` or `failure`.
    func afterRecord(_ record: ConsumerRecord, context: ListenerContext) async
    /// Whether a skipped record counts as processed in manual ack modes (as if acknowledged); in automatic
    /// modes skipped records always count as processed. Default `true`.
    var acknowledgesSkipped: Bool { get }
}

extension RecordInterceptor {
    public func intercept(_ record: ConsumerRecord, context: ListenerContext) async -> ConsumerRecord? { record }
    public func success(_ record: ConsumerRecord, context: ListenerContext) async {}
    public func failure(_ record: ConsumerRecord, error: any Error, context: ListenerContext) async {}
    public func afterRecord(_ record: ConsumerRecord, context: ListenerContext) async {}
    public var acknowledgesSkipped: Bool { true }
}

/// Code around each batch listener call (Spring-Kafka's `BatchInterceptor`): the same calls as
/// ``RecordInterceptor``, for a batch. `intercept` may filter or replace records; `nil` or an empty result
/// skips the call.
public protocol BatchInterceptor: Sendable {
    /// Sees (and may replace) the batch before the listener; `nil` or empty skips the call.
    func intercept(_ records: [ConsumerRecord], context: ListenerContext) async -> [ConsumerRecord]?
    /// The listener returned normally.
    func success(_ records: [ConsumerRecord], context: ListenerContext) async
    /// The listener threw.
    func failure(_ records: [ConsumerRecord], error: any Error, context: ListenerContext) async
    /// After `success` or `failure`.
    func afterBatch(_ records: [ConsumerRecord], context: ListenerContext) async
}

extension BatchInterceptor {
    public func intercept(_ records: [ConsumerRecord], context: ListenerContext) async -> [ConsumerRecord]? { records }
    public func success(_ records: [ConsumerRecord], context: ListenerContext) async {}
    public func failure(_ records: [ConsumerRecord], error: any Error, context: ListenerContext) async {}
    public func afterBatch(_ records: [ConsumerRecord], context: ListenerContext) async {}
}

/// Code around the consumer (Spring-Kafka's `ConsumerInterceptor`): sees each poll's records before any
/// listener, and each commit's outcome.
///
/// ``onConsume(_:)`` runs on the poll loop (keep it quick): it may filter or replace records (keeping each
/// record's topic, partition and offset); records it drops never reach a listener and count as processed.
/// ``onCommit(_:)`` and ``onCommitFailed(_:error:)`` run on the consumer's thread.
public protocol ConsumerInterceptor: Sendable {
    /// Filters or transforms one poll's records.
    func onConsume(_ records: [ConsumerRecord]) -> [ConsumerRecord]
    /// A commit succeeded with these offsets (each the next offset to read).
    func onCommit(_ offsets: [TopicPartitionOffset])
    /// A commit failed.
    func onCommitFailed(_ offsets: [TopicPartitionOffset], error: KafkaError)
}

extension ConsumerInterceptor {
    public func onConsume(_ records: [ConsumerRecord]) -> [ConsumerRecord] { records }
    public func onCommit(_ offsets: [TopicPartitionOffset]) {}
    public func onCommitFailed(_ offsets: [TopicPartitionOffset], error: KafkaError) {}
}

/// Skips records a predicate rejects, before the listener (Spring-Kafka's `RecordFilterStrategy`).
///
/// A record interceptor: with batch listeners it removes rejected records from the batch. With
/// `ackDiscarded` (the default), a discarded record counts as acknowledged in manual ack modes.
public struct RecordFilter: RecordInterceptor {
    /// Whether to keep a record.
    public let keep: @Sendable (ConsumerRecord) -> Bool
    /// Whether discarded records count as acknowledged in manual ack modes.
    public let ackDiscarded: Bool

    /// Creates a filter that keeps the records `keep` accepts.
    public init(ackDiscarded: Bool = true, keep: @escaping @Sendable (ConsumerRecord) -> Bool) {
        self.keep = keep
        self.ackDiscarded = ackDiscarded
    }

    public func intercept(_ record: ConsumerRecord, context: ListenerContext) async -> ConsumerRecord? {
        keep(record) ? record : nil
    }

    public var acknowledgesSkipped: Bool { ackDiscarded }
}

/// The interceptors of an endpoint (or the registry's global ones), each list in the order it runs.
///
/// Global interceptors (``ListenerRegistry/interceptors``) run before an endpoint's own.
public struct Interceptors: Sendable {
    /// Around each record listener call; ``RecordFilter``s go here too (they also filter batches).
    public var record: [any RecordInterceptor]
    /// Around each batch listener call.
    public var batch: [any BatchInterceptor]
    /// Around polls and commits.
    public var consumer: [any ConsumerInterceptor]

    /// Creates a set of interceptors.
    public init(
        record: [any RecordInterceptor] = [], batch: [any BatchInterceptor] = [],
        consumer: [any ConsumerInterceptor] = []
    ) {
        self.record = record
        self.batch = batch
        self.consumer = consumer
    }

    /// No interceptors.
    public static let none = Interceptors()

    /// Whether there are none.
    public var isEmpty: Bool { record.isEmpty && batch.isEmpty && consumer.isEmpty }

    /// `self` followed by `other`'s.
    public func followed(by other: Interceptors) -> Interceptors {
        Interceptors(record: record + other.record, batch: batch + other.batch, consumer: consumer + other.consumer)
    }
}
