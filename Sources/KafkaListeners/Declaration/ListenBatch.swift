import KafkaClient

/// A batch listener declared in a ``ListenersBuilder`` block: the listener gets all records of one poll.
///
/// As with ``Listen``, annotate the closure's parameter: `[Order]` (values), `[TypedRecord<K, V>]` or
/// `[ConsumerRecord]` (raw). Records that do not decode are left out of the call and reported afterwards as
/// a ``BatchDeserializationError`` (raw bytes kept).
public struct ListenBatch: ListenerDeclaration {
    /// The endpoint declared.
    public let endpoint: ListenerEndpoint
    /// What the listener receives, for generated documents.
    public let messages: [MessageDescription]

    /// Declares a batch listener from a description and a listener function; `messages` describe what it
    /// receives (for AsyncAPI documents).
    public init(_ description: EndpointDescription, listener: Listener, messages: [MessageDescription] = []) {
        self.endpoint = description.endpoint(listener: listener)
        self.messages = messages
    }

    /// The one batch listener this component declares.
    public func declaredListeners() throws -> [DeclaredListener] { [DeclaredListener(endpoint, messages: messages)] }

    /// A batch listener of `topics` that gets the decoded values.
    public init<Value: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable ([Value], ListenerContext) async throws -> Void
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            values: handler)
    }

    /// A batch listener of the topics matching `pattern` that gets the decoded values.
    public init<Value: KafkaPayload>(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable ([Value], ListenerContext) async throws -> Void
    ) {
        self.init(
            EndpointDescription(id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            values: handler)
    }

    init<Value: KafkaPayload>(
        _ description: EndpointDescription,
        values handler: @escaping @Sendable ([Value], ListenerContext) async throws -> Void
    ) {
        self.init(description, listener: .valueBatches(Value.self, handler), messages: [MessageDescription(Value.self)])
    }

    /// A batch listener of `topics` that gets records with keys and values decoded.
    public init<Key: KafkaPayload, Value: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable ([TypedRecord<Key, Value>], ListenerContext) async throws -> Void
    ) {
        let description = EndpointDescription(
            id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode)
        self.init(
            description, listener: .typedBatch(RecordDecoder(), handler),
            messages: [MessageDescription(key: Key.self, value: Value.self)])
    }

    /// A batch listener of the topics matching `pattern` that gets records with keys and values decoded.
    public init<Key: KafkaPayload, Value: KafkaPayload>(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable ([TypedRecord<Key, Value>], ListenerContext) async throws -> Void
    ) {
        let description = EndpointDescription(
            id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode)
        self.init(
            description, listener: .typedBatch(RecordDecoder(), handler),
            messages: [MessageDescription(key: Key.self, value: Value.self)])
    }

    /// A batch listener of `topics` that gets the raw records.
    public init(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping Listener.BatchHandler
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .batch(handler))
    }

    /// A batch listener of the topics matching `pattern` that gets the raw records.
    public init(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping Listener.BatchHandler
    ) {
        self.init(
            EndpointDescription(id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .batch(handler))
    }
}
