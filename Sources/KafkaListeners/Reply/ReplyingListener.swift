import KafkaClient

/// A type that answers requests: ``onRequest(_:context:)`` handles one decoded record and returns the reply, which
/// ``replies`` sends (Spring-Kafka's `@KafkaListener` method with `@SendTo`).
///
/// ```swift
/// struct QuoteService: ReplyingListener {
///     let replies: ReplySender
///     var endpoint: EndpointDescription { EndpointDescription(id: "quotes", topics: "quote-requests") }
///     func onRequest(_ request: TypedRecord<String, QuoteRequest>, context: ListenerContext) async throws -> Quote { … }
/// }
/// ```
/// Where the reply goes, and when the request counts as handled, is described at
/// ``Listener/replying(_:through:_:)``.
public protocol ReplyingListener: ListenerDeclaration {
    /// The request key type (`KafkaBytes?`: the raw key).
    associatedtype Key: Sendable = KafkaBytes?
    /// The request value type.
    associatedtype Value: Sendable
    /// The reply type.
    associatedtype Reply: KafkaPayload
    /// The listener's id, topics and settings.
    var endpoint: EndpointDescription { get }
    /// How requests are decoded; a default exists when `Key` and `Value` are ``KafkaPayload`` types.
    var decoder: RecordDecoder<Key, Value> { get }
    /// Sends the replies.
    var replies: ReplySender { get }
    /// Handles one request and returns its reply.
    func onRequest(_ request: TypedRecord<Key, Value>, context: ListenerContext) async throws -> Reply
}

extension ReplyingListener where Key: KafkaPayload, Value: KafkaPayload {
    /// Decodes with the types' ``KafkaPayload`` formats.
    public var decoder: RecordDecoder<Key, Value> { RecordDecoder() }
}

extension ReplyingListener {
    /// The endpoint running ``onRequest(_:context:)`` and sending its replies.
    public func declaredListeners() throws -> [DeclaredListener] {
        let listener = Listener.replying(decoder, through: replies) { request, context in
            try await onRequest(request, context: context)
        }
        return [
            DeclaredListener(
                endpoint.endpoint(listener: listener),
                messages: MessageDescription.of(key: Key.self, value: Value.self).map { [$0] } ?? [])
        ]
    }
}
