import Foundation
import KafkaClient

/// A type that knows its own wire format, so listeners and producers can use it without naming a
/// (de)serializer: `String` (UTF-8), `[UInt8]`, `Data`, `KafkaBytes` (raw), the fixed-width integers
/// (big-endian, as Kafka's `IntegerSerializer`/`LongSerializer` write them), `Optional` of any of these
/// (`nil` for absent bytes), and every ``JSONPayload``.
public protocol KafkaPayload: Sendable {
    /// Decodes a value from a record's key or value bytes.
    static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Self
    /// Encodes the value as record bytes (`nil`: none).
    func encode() throws -> [UInt8]?
    /// The payload's shape, for generated documents (AsyncAPI); `.any` unless the type says more.
    static var schema: PayloadSchema { get }
    /// The content type of the encoded bytes (for example `application/json`).
    static var contentType: String { get }
}

extension KafkaPayload {
    /// Nothing is known about the shape.
    public static var schema: PayloadSchema { .any }
    /// Opaque bytes.
    public static var contentType: String { "application/octet-stream" }
}

/// The deserializer of a ``KafkaPayload`` type: its own ``KafkaPayload/decode(_:headers:)``.
public struct PayloadDeserializer<Value: KafkaPayload>: Deserializer {
    /// Creates the deserializer.
    public init(_ type: Value.Type = Value.self) {}
    /// Decodes with `Value`'s own format.
    public func deserialize(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Value {
        try Value.decode(bytes, headers: headers)
    }
}

/// The serializer of a ``KafkaPayload`` type: its own ``KafkaPayload/encode()``.
public struct PayloadSerializer<Value: KafkaPayload>: Serializer {
    /// Creates the serializer.
    public init(_ type: Value.Type = Value.self) {}
    /// Encodes with `Value`'s own format.
    public func serialize(_ value: Value) throws -> [UInt8]? { try value.encode() }
}

func present(_ bytes: KafkaBytes?, _ type: Any.Type) throws -> KafkaBytes {
    guard let bytes else { throw PayloadError.missing(type: "\(type)") }
    return bytes
}

extension String: KafkaPayload {
    /// UTF-8 text; invalid UTF-8 is an error (not replaced), so corrupt bytes are kept, not mangled.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> String {
        let bytes = try present(bytes, String.self)
        guard let string = bytes.withUnsafeBytes({ String(validating: $0, as: UTF8.self) }) else {
            throw PayloadError.invalidUTF8
        }
        return string
    }
    /// The bytes of this value in its format.
    public func encode() throws -> [UInt8]? { Array(utf8) }
    /// A string.
    public static var schema: PayloadSchema { .string(format: nil) }
    /// UTF-8 text.
    public static var contentType: String { "text/plain" }
}

extension Array: KafkaPayload where Element == UInt8 {
    /// The bytes as they are.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> [UInt8] {
        try present(bytes, [UInt8].self).array
    }
    /// The bytes of this value in its format.
    public func encode() throws -> [UInt8]? { self }
    /// Opaque bytes.
    public static var schema: PayloadSchema { .binary }
}

extension Data: KafkaPayload {
    /// The bytes as they are.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Data {
        try present(bytes, Data.self).withUnsafeBytes { Data($0) }
    }
    /// The bytes of this value in its format.
    public func encode() throws -> [UInt8]? { Array(self) }
    /// Opaque bytes.
    public static var schema: PayloadSchema { .binary }
}

extension KafkaBytes: KafkaPayload {
    /// The raw bytes (no copy); absent bytes are an error — use `KafkaBytes?` to accept them.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> KafkaBytes {
        try present(bytes, KafkaBytes.self)
    }
    /// The bytes of this value in its format.
    public func encode() throws -> [UInt8]? { array }
    /// Opaque bytes.
    public static var schema: PayloadSchema { .binary }
}

extension Optional: KafkaPayload where Wrapped: KafkaPayload {
    /// `nil` for absent bytes, otherwise the wrapped type's decoding.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Wrapped? {
        guard let bytes else { return nil }
        return try Wrapped.decode(bytes, headers: headers)
    }
    /// The bytes of this value in its format.
    public func encode() throws -> [UInt8]? { try self?.encode() ?? nil }
    /// The wrapped type's schema, or null.
    public static var schema: PayloadSchema { .nullable(Wrapped.schema) }
    /// The wrapped type's content type.
    public static var contentType: String { Wrapped.contentType }
}
