import KafkaClient

/// A record listener declared in a ``ListenersBuilder`` block (`@KafkaListener` on a closure).
///
/// The closure's first parameter type chooses the form — annotate it:
/// ```swift
/// Listen("orders", topics: "orders", concurrency: 3) { (order: Order, context) in … }          // value only
/// Listen("orders", topics: "orders") { (record: TypedRecord<String, Order>, context) in … }    // key, value, metadata
/// Listen("raw", topics: "orders") { (record: ConsumerRecord, context) in … }                   // raw bytes
/// ```
/// Typed forms decode with the types' ``KafkaPayload`` formats (value-only listeners ignore the key); a
/// record that does not decode is a ``DeserializationError``. Named `Listen` because `Listener` is the
/// framework's listener-function type.
public struct Listen: ListenerDeclaration {
    /// The endpoint declared.
    public let endpoint: ListenerEndpoint
    /// What the listener receives, for generated documents.
    public let messages: [MessageDescription]

    /// Declares a listener from a description and a listener function; `messages` describe what it
    /// receives (for AsyncAPI documents).
    public init(_ description: EndpointDescription, listener: Listener, messages: [MessageDescription] = []) {
        self.endpoint = description.endpoint(listener: listener)
        self.messages = messages
    }

    /// The one listener this component declares.
    public func declaredListeners() throws -> [DeclaredListener] { [DeclaredListener(endpoint, messages: messages)] }

    // MARK: value only

    /// A listener of `topics` that gets each record's decoded value.
    public init<Value: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable (Value, ListenerContext) async throws -> Void
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            value: handler)
    }

    /// A listener of the topics matching `pattern` that gets each record's decoded value.
    public init<Value: KafkaPayload>(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable (Value, ListenerContext) async throws -> Void
    ) {
        self.init(
            EndpointDescription(id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            value: handler)
    }

    init<Value: KafkaPayload>(
        _ description: EndpointDescription,
        value handler: @escaping @Sendable (Value, ListenerContext) async throws -> Void
    ) {
        self.init(description, listener: .values(Value.self, handler), messages: [MessageDescription(Value.self)])
    }

    // MARK: typed record

    /// A listener of `topics` that gets each record with its key and value decoded.
    public init<Key: KafkaPayload, Value: KafkaPayload>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Void
    ) {
        let description = EndpointDescription(
            id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode)
        self.init(
            description, listener: .typed(RecordDecoder(), handler),
            messages: [MessageDescription(key: Key.self, value: Value.self)])
    }

    /// A listener of the topics matching `pattern` that gets each record with its key and value decoded.
    public init<Key: KafkaPayload, Value: KafkaPayload>(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Void
    ) {
        let description = EndpointDescription(
            id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode)
        self.init(
            description, listener: .typed(RecordDecoder(), handler),
            messages: [MessageDescription(key: Key.self, value: Value.self)])
    }

    /// A listener of `topics` whose key and value are decoded by the deserializers given.
    public init<Key, Value>(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        key: some Deserializer<Key>, value: some Deserializer<Value>,
        handler: @escaping @Sendable (TypedRecord<Key, Value>, ListenerContext) async throws -> Void
    ) {
        let description = EndpointDescription(
            id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode)
        self.init(
            description, listener: .typed(RecordDecoder(key: key, value: value), handler),
            messages: MessageDescription.of(key: Key.self, value: Value.self).map { [$0] } ?? [])
    }

    // MARK: raw

    /// A listener of `topics` that gets the raw records.
    public init(
        _ id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping Listener.RecordHandler
    ) {
        self.init(
            EndpointDescription(id: id, topics: topics, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .record(handler))
    }

    /// A listener of the topics matching `pattern` that gets the raw records.
    public init(
        _ id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        handler: @escaping Listener.RecordHandler
    ) {
        self.init(
            EndpointDescription(id: id, pattern: pattern, groupId: groupId, concurrency: concurrency, ackMode: ackMode),
            listener: .record(handler))
    }
}
