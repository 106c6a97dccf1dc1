import KafkaClient

extension Listener {
    /// A record listener whose return value is sent as the reply to each record (Spring-Kafka's `@SendTo`).
    ///
    /// The request's reply headers are read before `handler` runs: a request whose headers cannot be honoured
    /// (see ``ReplyHeaderError``) never reaches it and goes to the error handler at once. The reply is sent through
    /// `sender` and acknowledged by the broker before the call returns, so the request's offset is committed only
    /// after its reply is delivered (at least once: a request handled again after a crash is answered again). A
    /// reply that cannot be encoded or delivered makes the call throw, and the error handler takes the request.
    ///
    /// - Parameters:
    ///   - decoder: decodes each request.
    ///   - sender: sends the replies (see ``ReplySender``).
    ///   - handler: computes the reply to one request.
    public static func replying<Key, Value, Reply: KafkaPayload>(
        _ decoder: RecordDecoder<Key, Value>, through sender: ReplySender,
        _ handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Reply
    ) -> Listener {
        .record { record, context in
            let address = try ReplyAddress(parsing: record.headers)
            if address.topic == nil && sender.defaultTopic == nil { throw ReplyHeaderError.noReplyTopic }
            let reply = try await handler(try decoder.decode(record), context)
            let outgoing = try sender.replyRecord(to: record, address: address, value: reply.encode())
            try await sender.producer.send(outgoing)
        }
    }
}

extension Listen {
    /// A listener of `topics` that gets each request's decoded value and returns the reply (Spring-Kafka's
    /// `@KafkaListener` with `@SendTo`); see ``Listener/replying(_:through:_:)``.
    ///
    /// ```swift
    /// Listen("quotes", topics: "quote-requests", replies: ReplySender(producer: producer)) {
    ///     (request: QuoteRequest, context) -> Quote in try await pricing.quote(request)
    /// }
    /// ```
    public init<Value: KafkaPayload, Reply: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        replies sender: ReplySender, handler: @escaping @Sendable (Value, ListenerContext) async throws -> Reply
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .replying(RecordDecoder<KafkaBytes?, Value>(), through: sender) { request, context in
                try await handler(request.value, context)
            },
            messages: [MessageDescription(Value.self)])
    }

    /// A listener of `topics` that gets each request with its key and value decoded and returns the reply; see
    /// ``Listener/replying(_:through:_:)``.
    public init<Key: KafkaPayload, Value: KafkaPayload, Reply: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        replies sender: ReplySender,
        handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Reply
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .replying(RecordDecoder(), through: sender, handler),
            messages: [MessageDescription(key: Key.self, value: Value.self)])
    }
}
