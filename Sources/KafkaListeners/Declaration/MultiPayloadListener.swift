import KafkaClient

/// A listener with one handler per payload type (Spring-Kafka's class-level `@KafkaListener` with
/// `@KafkaHandler` methods).
///
/// ```swift
/// struct PaymentsListener: MultiPayloadListener {
///     var endpoint: EndpointDescription { EndpointDescription(id: "payments", topics: "payments") }
///     var handlers: [PayloadHandler] {
///         PayloadHandler(Payment.self) { payment, context in … }
///         PayloadHandler(Refund.self, typeId: "refund") { refund, context in … }
///         PayloadHandler.fallback { record, context in … }
///     }
/// }
/// ```
/// Which handler runs: if the record has a ``typeHeader`` header (Spring's `__TypeId__` by default), the
/// handler whose `typeId` equals its value; otherwise the first handler, in declaration order, whose type
/// decodes the value. Without a match the fallback runs, or the record fails with a
/// ``DeserializationError`` naming the types tried. Order handlers from the most specific type down: a
/// lenient JSON type can decode another type's document.
public protocol MultiPayloadListener: ListenerDeclaration {
    /// The listener's id, topics and settings.
    var endpoint: EndpointDescription { get }
    /// The handlers, in the order they are tried.
    @PayloadHandlersBuilder var handlers: [PayloadHandler] { get }
    /// The header naming the payload's type (default `__TypeId__`).
    var typeHeader: String { get }
}

extension MultiPayloadListener {
    /// Spring's JSON type header, `__TypeId__`.
    public var typeHeader: String { "__TypeId__" }

    /// The endpoint dispatching each record to its handler.
    public func declaredListeners() throws -> [DeclaredListener] {
        let router = PayloadRouter(handlers: handlers, typeHeader: typeHeader)
        let listener = Listener.record { record, context in try await router.route(record, context) }
        return [DeclaredListener(endpoint.endpoint(listener: listener), messages: handlers.compactMap(\.message))]
    }
}

/// Collects ``PayloadHandler``s.
@resultBuilder
public enum PayloadHandlersBuilder {
    /// One handler (or a list of them) as a block part.
    public static func buildExpression(_ handler: PayloadHandler) -> [PayloadHandler] { [handler] }
    /// The parts of a block, in order.
    public static func buildBlock(_ parts: [PayloadHandler]...) -> [PayloadHandler] { parts.flatMap { $0 } }
    /// An `if` without `else`: its handlers, or none.
    public static func buildOptional(_ part: [PayloadHandler]?) -> [PayloadHandler] { part ?? [] }
    /// One branch of an `if`/`else` or `switch`.
    public static func buildEither(first: [PayloadHandler]) -> [PayloadHandler] { first }
    /// One branch of an `if`/`else` or `switch`.
    public static func buildEither(second: [PayloadHandler]) -> [PayloadHandler] { second }
    /// The handlers of every iteration of a `for` loop.
    public static func buildArray(_ parts: [[PayloadHandler]]) -> [PayloadHandler] { parts.flatMap { $0 } }
}

/// One handler of a ``MultiPayloadListener``: a payload type and the function handling it.
public struct PayloadHandler: Sendable {
    /// What the type header must say for this handler (`nil`: the fallback).
    public let typeId: String?
    /// The type's name, for error messages.
    public let typeName: String
    /// What this handler receives (`nil` for the fallback).
    public let message: MessageDescription?
    /// Decodes the record and returns the call to make, or throws when it does not decode.
    let prepare: @Sendable (ConsumerRecord) throws -> @Sendable (ListenerContext) async throws -> Void

    /// A handler of `Value` payloads; `typeId` defaults to the type's name.
    public init<Value: KafkaPayload>(
        _ type: Value.Type, typeId: String? = nil,
        handler: @escaping @Sendable (Value, ListenerContext) async throws -> Void
    ) {
        self.typeId = typeId ?? String(describing: Value.self)
        self.typeName = String(describing: Value.self)
        self.message = MessageDescription(Value.self)
        self.prepare = { record in
            let value = try Value.decode(record.value, headers: record.headers)
            return { context in try await handler(value, context) }
        }
    }

    private init(fallback handler: @escaping Listener.RecordHandler) {
        self.typeId = nil
        self.typeName = "ConsumerRecord"
        self.message = nil
        self.prepare = { record in { context in try await handler(record, context) } }
    }

    /// The handler for records no other handler takes (Spring's `isDefault = true`).
    public static func fallback(_ handler: @escaping Listener.RecordHandler) -> PayloadHandler {
        PayloadHandler(fallback: handler)
    }
}

/// Picks a ``PayloadHandler`` for each record.
struct PayloadRouter: Sendable {
    let typed: [PayloadHandler]
    let fallback: PayloadHandler?
    let typeHeader: String

    init(handlers: [PayloadHandler], typeHeader: String) {
        self.typed = handlers.filter { $0.typeId != nil }
        self.fallback = handlers.first { $0.typeId == nil }
        self.typeHeader = typeHeader
    }

    func route(_ record: ConsumerRecord, _ context: ListenerContext) async throws {
        if let typeId = record.headers.lastString(for: typeHeader) {
            if let handler = typed.first(where: { $0.typeId == typeId }) {
                let call: @Sendable (ListenerContext) async throws -> Void
                do { call = try handler.prepare(record) } catch {
                    throw DeserializationError(
                        record: record, part: .value, targetType: handler.typeName, reason: "\(error)")
                }
                return try await call(context)
            }
            if let fallback { return try await fallback.prepare(record)(context) }
            throw DeserializationError(
                record: record, part: .value, targetType: typeId,
                reason:
                    "no handler for \(typeHeader) '\(typeId)' (handlers: \(typed.compactMap(\.typeId).joined(separator: ", ")))"
            )
        }
        var reasons: [String] = []
        for handler in typed {
            let call: @Sendable (ListenerContext) async throws -> Void
            do { call = try handler.prepare(record) } catch {
                reasons.append("\(handler.typeName): \(error)")
                continue
            }
            return try await call(context)
        }
        if let fallback { return try await fallback.prepare(record)(context) }
        throw DeserializationError(
            record: record, part: .value, targetType: typed.map(\.typeName).joined(separator: " | "),
            reason: reasons.joined(separator: "; "))
    }
}
