import KafkaClient

/// A type that is a record listener with typed keys and values: its ``endpoint`` says what it consumes
/// and how, ``onRecord(_:context:)`` handles one decoded record.
///
/// ```swift
/// struct OrderListener: RecordListener {
///     var endpoint: EndpointDescription { EndpointDescription(id: "orders", topics: "orders", concurrency: 3) }
///     func onRecord(_ record: TypedRecord<String, Order>, context: ListenerContext) async throws { … }
/// }
/// ```
/// `Key` and `Value` are inferred from `onRecord`; keys and values decode with their ``KafkaPayload``
/// formats unless the type provides ``decoder``. For a static description, also conform to ``StaticEndpoint``
/// and declare `static let endpoint = EndpointDescription(…)`.
/// Register it like any declaration: in a ``ListenersBuilder`` block, or `registry.register(declaration:)`.
public protocol RecordListener: ListenerDeclaration {
    /// The key type (`KafkaBytes?`: the raw key).
    associatedtype Key: Sendable = KafkaBytes?
    /// The value type.
    associatedtype Value: Sendable
    /// The listener's id, topics and settings.
    var endpoint: EndpointDescription { get }
    /// How records are decoded; a default exists when `Key` and `Value` are ``KafkaPayload`` types.
    var decoder: RecordDecoder<Key, Value> { get }
    /// Handles one record. A record that does not decode never reaches it: a ``DeserializationError`` is
    /// reported instead.
    func onRecord(_ record: TypedRecord<Key, Value>, context: ListenerContext) async throws
}

extension RecordListener where Key: KafkaPayload, Value: KafkaPayload {
    /// Decodes with the types' ``KafkaPayload`` formats.
    public var decoder: RecordDecoder<Key, Value> { RecordDecoder() }
}

extension RecordListener {
    /// The endpoint running ``onRecord(_:context:)``.
    public func declaredListeners() throws -> [DeclaredListener] {
        let listener = Listener.typed(decoder) { record, context in try await onRecord(record, context: context) }
        return [
            DeclaredListener(
                endpoint.endpoint(listener: listener),
                messages: MessageDescription.of(key: Key.self, value: Value.self).map { [$0] } ?? [])
        ]
    }
}

/// A type that is a batch listener with typed keys and values: ``onBatch(_:context:)`` gets the decoded
/// records of one poll.
///
/// Records that do not decode are left out of the call and reported afterwards as a
/// ``BatchDeserializationError`` with their raw bytes (see ``Listener/typedBatch(_:_:)``).
public protocol BatchListener: ListenerDeclaration {
    /// The key type (`KafkaBytes?`: the raw key).
    associatedtype Key: Sendable = KafkaBytes?
    /// The value type.
    associatedtype Value: Sendable
    /// The listener's id, topics and settings.
    var endpoint: EndpointDescription { get }
    /// How records are decoded; a default exists when `Key` and `Value` are ``KafkaPayload`` types.
    var decoder: RecordDecoder<Key, Value> { get }
    /// Handles the decoded records of one poll (never empty).
    func onBatch(_ records: [TypedRecord<Key, Value>], context: ListenerContext) async throws
}

extension BatchListener where Key: KafkaPayload, Value: KafkaPayload {
    /// Decodes with the types' ``KafkaPayload`` formats.
    public var decoder: RecordDecoder<Key, Value> { RecordDecoder() }
}

extension BatchListener {
    /// The endpoint running ``onBatch(_:context:)``.
    public func declaredListeners() throws -> [DeclaredListener] {
        let listener = Listener.typedBatch(decoder) { records, context in try await onBatch(records, context: context) }
        return [
            DeclaredListener(
                endpoint.endpoint(listener: listener),
                messages: MessageDescription.of(key: Key.self, value: Value.self).map { [$0] } ?? [])
        ]
    }
}
