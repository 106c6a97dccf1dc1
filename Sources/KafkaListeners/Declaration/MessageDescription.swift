import KafkaClient

/// What a listener receives, for generated documents: the message name, key and value schemas.
public struct MessageDescription: Sendable, Hashable {
    /// The message name (the value type's name).
    public var name: String
    /// The value's content type.
    public var contentType: String
    /// The value's schema.
    public var payload: PayloadSchema
    /// The key's schema (`nil`: not decoded, any bytes).
    public var key: PayloadSchema?

    /// Describes messages whose value is a `Value`.
    public init<Value: KafkaPayload>(_ value: Value.Type) {
        self.name = String(describing: Value.self)
        self.contentType = Value.contentType
        self.payload = Value.schema
        self.key = nil
    }

    /// Describes messages with a `Key` key and a `Value` value.
    public init<Key: KafkaPayload, Value: KafkaPayload>(key: Key.Type, value: Value.Type) {
        self.init(value)
        self.key = Key.self == KafkaBytes?.self ? nil : Key.schema
    }

    /// Describes messages from types known only at run time (`nil` when they are not ``KafkaPayload`` types).
    static func of(key: Any.Type, value: Any.Type) -> MessageDescription? {
        guard let value = value as? any KafkaPayload.Type else { return nil }
        var description = describe(value)
        if let key = key as? any KafkaPayload.Type, key != KafkaBytes?.self { description.key = key.schema }
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
