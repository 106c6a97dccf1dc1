import KafkaClient
import Logging
import Synchronization

/// Sends requests and awaits their replies (Spring-Kafka's `ReplyingKafkaTemplate`).
///
/// Each request gets 16 random bytes as its `kafka_correlationId` and the reply topic as its `kafka_replyTopic`
/// (plus `kafka_replyPartition` when the producer listens to one partition), the headers a listener declared with
/// `Listen(…, replies:)` — or a Spring `@SendTo` listener — answers by. One consumer per instance reads the reply
/// topic, assigned directly (no consumer group) from the log end at ``start()``, and hands each reply to the request
/// with its correlation id; any number of requests may be in flight at once.
///
/// ```swift
/// let requester = try ReplyingProducer(producer: producer, configuration: configuration, replyTopic: "quotes-replies")
/// try await requester.start()
/// let quote = try await requester.request(topic: "quote-requests", value: QuoteRequest(item: "tea"), as: Quote.self)
/// await requester.close()
/// ```
/// A request without a reply within its timeout throws ``ReplyingProducerError/timedOut(topic:after:)``; its reply,
/// if it comes later, is dropped with a debug log line (as is any reply with an unknown correlation id). Cancelling
/// the awaiting task ends the wait with `CancellationError`. ``close()`` fails the requests still waiting.
public final class ReplyingProducer: Sendable {
    /// The topic replies are read from.
    public let replyTopic: String
    /// The one partition of ``replyTopic`` replies are read from (and asked for), or `nil` for all of them.
    public let replyPartition: Int32?
    /// How long a request waits for its reply unless it says otherwise.
    public let defaultTimeout: Duration
    /// The producer requests go through (the caller owns and closes it).
    public let producer: KafkaProducer

    private let configuration: KafkaConfiguration
    private let pending = PendingReplies()
    private let running = Mutex<Running?>(nil)
    private let logger: Logger

    private struct Running: Sendable {
        var consumer: KafkaConsumer?
        var loop: Task<Void, Never>?
        var closed = false
    }

    /// Creates a replying producer; ``start()`` starts reading replies.
    ///
    /// - Parameters:
    ///   - producer: sends the requests.
    ///   - configuration: the cluster's settings (bootstrap servers, security) for the reply consumer; consumer keys
    ///     are honoured, and a `group.id` is made up when there is none (the consumer never joins a group).
    ///   - replyTopic: where replies are asked for and read.
    ///   - replyPartition: read and ask for this partition only (Spring's reply partition header); `nil` reads every
    ///     partition of `replyTopic` and lets the replier's partitioner choose.
    ///   - defaultTimeout: how long a request waits for its reply unless it says otherwise.
    ///   - logger: receives the reply consumer's log lines and the debug line for each dropped reply.
    /// - Throws: `KafkaError` of kind `.invalidTopicName` for an illegal `replyTopic`, `.invalidArgument` for a
    ///   negative `replyPartition` or a timeout that is not positive.
    public init(
        producer: KafkaProducer, configuration: KafkaConfiguration, replyTopic: String, replyPartition: Int32? = nil,
        defaultTimeout: Duration = .seconds(5), logger: Logger = Logger(label: "kafka.replying-producer")
    ) throws {
        try TopicName.validate(replyTopic)
        if let replyPartition, replyPartition < 0 {
            throw KafkaError(
                kind: .invalidArgument, message: "a reply partition must not be negative, got \(replyPartition)",
                operation: "create a replying producer")
        }
        guard defaultTimeout > .zero else {
            throw KafkaError(
                kind: .invalidArgument, message: "the default timeout must be positive, got \(defaultTimeout)",
                operation: "create a replying producer")
        }
        self.producer = producer
        self.configuration = configuration
        self.replyTopic = replyTopic
        self.replyPartition = replyPartition
        self.defaultTimeout = defaultTimeout
        self.logger = logger
    }

    /// How many requests wait for their replies.
    public var pendingRequests: Int { pending.count }

    /// How many replies were dropped: late (their request timed out or was cancelled), without a correlation id, or
    /// with one that is not this producer's.
    public var droppedReplies: Int { pending.dropped }

    /// Assigns the reply consumer to the reply topic from its current end and starts reading replies; waits until
    /// the end offsets are known, so no reply to a request sent afterwards is missed.
    ///
    /// - Throws: what resolving the reply topic's end offsets throws (an unknown topic or partition, a timeout), or
    ///   ``ReplyingProducerError/closed``. Calling it again once started does nothing.
    public func start() async throws {
        let claimed = try running.withLock { running -> Bool in
            if running?.closed == true { throw ReplyingProducerError.closed }
            guard running == nil else { return false }
            running = Running()
            return true
        }
        guard claimed else { return }
        do {
            let consumer = try await ReplyConsumer.assigned(
                configuration: configuration, topic: replyTopic, partition: replyPartition, logger: logger)
            let loop = Task { [pending, logger] in
                await ReplyConsumer.run(consumer, pending: pending, logger: logger)
            }
            let stillOpen = running.withLock { running -> Bool in
                guard running?.closed == false else { return false }
                running?.consumer = consumer
                running?.loop = loop
                return true
            }
            if !stillOpen {
                loop.cancel()
                consumer.wakeUp()
                await loop.value
                await consumer.close()
                throw ReplyingProducerError.closed
            }
        } catch {
            running.withLock { if $0?.closed == false, $0?.consumer == nil { $0 = nil } }
            throw error
        }
    }

    /// Sends `record` as a request and returns its reply.
    ///
    /// The record gains the `kafka_replyTopic` and `kafka_correlationId` headers (and `kafka_replyPartition` when
    /// ``replyPartition`` is set), replacing any it had.
    ///
    /// - Parameters:
    ///   - record: the request.
    ///   - timeout: how long to wait for the reply, from the call (``defaultTimeout`` when `nil`).
    /// - Throws: ``ReplyingProducerError/timedOut(topic:after:)``, ``ReplyingProducerError/notStarted``,
    ///   ``ReplyingProducerError/closed``, `CancellationError` when the awaiting task is cancelled (the request may
    ///   still be sent), or the request's delivery error.
    public func request(_ record: ProducerRecord, timeout: Duration? = nil) async throws -> ConsumerRecord {
        let state = running.withLock { $0 }
        if state?.closed == true { throw ReplyingProducerError.closed }
        guard state?.consumer != nil else { throw ReplyingProducerError.notStarted }
        let timeout = timeout ?? defaultTimeout
        let id = Self.correlationId()
        var request = record
        request.headers.removeAll {
            [ReplyHeaders.replyTopic, ReplyHeaders.replyPartition, ReplyHeaders.correlationId].contains($0.key)
        }
        request.headers.append(RecordHeader(key: ReplyHeaders.replyTopic, string: replyTopic))
        if let replyPartition {
            request.headers.append(
                RecordHeader(key: ReplyHeaders.replyPartition, value: ReplyHeaders.encodePartition(replyPartition)))
        }
        request.headers.append(RecordHeader(key: ReplyHeaders.correlationId, value: id))
        let outgoing = request

        try pending.register(id)
        let pending = self.pending
        let timer = Task {
            try await Task.sleep(for: timeout)
            pending.finish(id, with: .failure(ReplyingProducerError.timedOut(topic: record.topic, after: timeout)))
        }
        defer { timer.cancel() }
        // The send runs on its own, so the timeout and cancellation also end a wait for a slow delivery report.
        let producer = self.producer
        Task {
            do { try await producer.send(outgoing) } catch { pending.finish(id, with: .failure(error)) }
        }
        return try await withTaskCancellationHandler {
            try await pending.wait(id)
        } onCancel: {
            pending.finish(id, with: .failure(CancellationError()))
        }
    }

    /// Sends `record` as a request and returns its reply with the value decoded as `Reply`.
    ///
    /// - Throws: what ``request(_:timeout:)`` throws, or ``DeserializationError`` when the reply does not decode.
    public func request<Reply: KafkaPayload>(
        _ record: ProducerRecord, as type: Reply.Type, timeout: Duration? = nil
    ) async throws -> TypedRecord<KafkaBytes?, Reply> {
        let reply = try await request(record, timeout: timeout)
        return try RecordDecoder<KafkaBytes?, Reply>().decode(reply)
    }

    /// Sends `value` (unkeyed, in its ``KafkaPayload`` format) to `topic` as a request and returns the reply's value.
    ///
    /// - Throws: what ``request(_:timeout:)`` throws, the request's encoding error, or ``DeserializationError`` when
    ///   the reply does not decode as `Reply`.
    public func request<Request: KafkaPayload, Reply: KafkaPayload>(
        topic: String, value: Request, as type: Reply.Type = Reply.self, timeout: Duration? = nil
    ) async throws -> Reply {
        try await request(ProducerRecord.encoding(topic: topic, value: value), as: type, timeout: timeout).value
    }

    /// Stops reading replies, fails the requests still waiting with ``ReplyingProducerError/closed`` and closes the
    /// reply consumer (not the producer). Safe to repeat.
    public func close() async {
        let state = running.withLock { running -> Running? in
            let previous = running
            if running == nil { running = Running() }
            running?.closed = true
            return previous?.closed == true ? nil : previous
        }
        pending.close(failing: ReplyingProducerError.closed)
        guard let state else { return }
        state.loop?.cancel()
        state.consumer?.wakeUp()
        await state.loop?.value
        await state.consumer?.close()
    }

    /// 16 random bytes, as Spring's correlation ids.
    static func correlationId() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return DeadLetterHeaders.bigEndian(high) + DeadLetterHeaders.bigEndian(low)
    }
}
