import KafkaClient

/// Sends a listener's return value as the reply to the record it handled (Spring-Kafka's `@SendTo` with a
/// reply template).
///
/// The reply goes to the topic named by the request's `kafka_replyTopic` header, else to ``defaultTopic``; to the
/// partition in `kafka_replyPartition` when the request has one (else the producer's partitioner picks one); it
/// carries the request's `kafka_correlationId` and the request's key. ``reply(to:with:)`` returns once the broker
/// acknowledged the reply, so a listener that replies through it counts the request as handled (and lets its offset
/// be committed) only after the reply is delivered; a reply that cannot be delivered is a listener failure.
public struct ReplySender: Sendable {
    /// The producer replies go through (the caller owns and closes it).
    public let producer: KafkaProducer
    /// Where replies go when a request names no reply topic (`nil`: such a request is a failure).
    public let defaultTopic: String?

    /// Creates a sender replying through `producer` to the topic each request names in its `kafka_replyTopic` header
    /// (a request without one is a listener failure).
    public init(producer: KafkaProducer) {
        self.producer = producer
        self.defaultTopic = nil
    }

    /// Creates a sender replying through `producer`, to `defaultTopic` when a request names no reply topic (Spring's
    /// `@SendTo("topic")`; the request's header still wins).
    ///
    /// - Throws: `KafkaError` of kind `.invalidTopicName` when `defaultTopic` is not a legal topic name.
    public init(producer: KafkaProducer, defaultTopic: String) throws {
        try TopicName.validate(defaultTopic)
        self.producer = producer
        self.defaultTopic = defaultTopic
    }

    /// Sends `value` as the reply to `request` and waits for the broker's acknowledgement.
    ///
    /// - Throws: ``ReplyHeaderError`` when the request's reply headers are unusable or it names no reply topic and
    ///   there is no ``defaultTopic``; the value's encoding error; the delivery error.
    @discardableResult
    public func reply(to request: ConsumerRecord, with value: some KafkaPayload) async throws -> RecordMetadata {
        let address = try ReplyAddress(parsing: request.headers)
        return try await producer.send(try replyRecord(to: request, address: address, value: value.encode()))
    }

    /// The record replying `value` to `request` at `address`.
    func replyRecord(
        to request: ConsumerRecord, address: ReplyAddress, value: [UInt8]?
    ) throws(ReplyHeaderError)
        -> ProducerRecord
    {
        guard let topic = address.topic ?? defaultTopic else { throw ReplyHeaderError.noReplyTopic }
        var headers: [RecordHeader] = []
        if let correlationId = address.correlationId {
            headers.append(RecordHeader(key: ReplyHeaders.correlationId, value: correlationId))
        }
        return ProducerRecord(
            topic: topic, partition: address.partition, key: request.key?.array, value: value, headers: headers)
    }
}
