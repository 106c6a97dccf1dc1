import Foundation
import KafkaClient

extension Deserializer where Self == PayloadDeserializer<String> {
    /// UTF-8 text (Kafka's `StringDeserializer`); absent bytes and invalid UTF-8 are errors.
    public static var string: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<String?> {
    /// UTF-8 text, `nil` for absent bytes (an unkeyed record's key, a tombstone).
    public static var optionalString: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<[UInt8]> {
    /// The bytes copied into an array (Kafka's `ByteArrayDeserializer`).
    public static var bytes: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<Data> {
    /// The bytes as `Data`.
    public static var data: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<KafkaBytes?> {
    /// The raw bytes, not copied; `nil` for absent bytes.
    public static var raw: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<Int32> {
    /// Four big-endian bytes (Kafka's `IntegerDeserializer`).
    public static var int32: Self { PayloadDeserializer() }
}

extension Deserializer where Self == PayloadDeserializer<Int64> {
    /// Eight big-endian bytes (Kafka's `LongDeserializer`).
    public static var int64: Self { PayloadDeserializer() }
}

extension Deserializer {
    /// JSON decoded into `type` with a default `JSONDecoder`.
    public static func json<T: Decodable & Sendable>(_ type: T.Type) -> Self where Self == JSONDeserializer<T> {
        JSONDeserializer()
    }
}

extension Serializer where Self == PayloadSerializer<String> {
    /// UTF-8 text (Kafka's `StringSerializer`).
    public static var string: Self { PayloadSerializer() }
}

extension Serializer where Self == PayloadSerializer<Int32> {
    /// Four big-endian bytes (Kafka's `IntegerSerializer`).
    public static var int32: Self { PayloadSerializer() }
}

extension Serializer where Self == PayloadSerializer<Int64> {
    /// Eight big-endian bytes (Kafka's `LongSerializer`).
    public static var int64: Self { PayloadSerializer() }
}

extension Serializer {
    /// `type` encoded as JSON with a default `JSONEncoder`.
    public static func json<T: Encodable>(_ type: T.Type) -> Self where Self == JSONSerializer<T> { JSONSerializer() }
}
