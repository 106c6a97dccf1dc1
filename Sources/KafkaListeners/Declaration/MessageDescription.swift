import KafkaClient

/// What a listener receives, for generated documents: the message name, key and value schemas.
///
/// Schemas are derived when asked for (``payload``, ``key``), not when a listener is declared: deriving one runs
/// the type's `Decodable` initializer against placeholders.
public struct MessageDescription: Sendable {
    /// The message name (the value type's name).
    public var name: String
    /// The value's content type.
    public var contentType: String
    private var payloadSchema: @Sendable () -> PayloadSchema
    private var keySchema: (@Sendable () -> PayloadSchema)?

    /// The value's schema.
    public var payload: PayloadSchema { payloadSchema() }
    /// The key's schema (`nil`: not decoded, any bytes).
    public var key: PayloadSchema? { keySchema?() }

    /// Describes messages whose value is a `Value`.
    public init<Value: KafkaPayload>(_ value: Value.Type) {
        self.name = String(describing: Value.self)
        self.contentType = Value.contentType
        self.payloadSchema = { Value.schema }
        self.keySchema = nil
    }

    /// Describes messages with a `Key` key and a `Value` value.
    public init<Key: KafkaPayload, Value: KafkaPayload>(key: Key.Type, value: Value.Type) {
        self.init(value)
        if Key.self != KafkaBytes?.self { self.keySchema = { Key.schema } }
    }

    /// Describes messages from types known only at run time (`nil` when they are not ``KafkaPayload`` types).
    static func of(key: Any.Type, value: Any.Type) -> MessageDescription? {
        guard let value = value as? any KafkaPayload.Type else { return nil }
        var description = describe(value)
        if let key = key as? any KafkaPayload.Type, key != KafkaBytes?.self { description.keySchema = { key.schema } }
        return description
    }

    private static func describe<V: KafkaPayload>(_ type: V.Type) -> MessageDescription { MessageDescription(type) }
}

extension MessageDescription {
    /// The description of typed records' messages (empty when the value is not a ``KafkaPayload``); used
    /// by the `@KafkaListener` macro.
    public static func describing<Key, Value>(_ type: TypedRecord<Key, Value>.Type) -> [MessageDescription] {
        of(key: Key.self, value: Value.self).map { [$0] } ?? []
    }
}
