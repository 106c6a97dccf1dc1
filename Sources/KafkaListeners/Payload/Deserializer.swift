import KafkaClient

/// Turns the bytes of a record's key or value into a typed value (Spring-Kafka's `Deserializer`).
///
/// `bytes` is `nil` for an unkeyed record's key or a tombstone's value; a deserializer that cannot accept
/// `nil` throws. A thrown error becomes a ``DeserializationError`` that keeps the record's raw bytes.
public protocol Deserializer<Value>: Sendable {
    /// The type produced.
    associatedtype Value: Sendable
    /// Decodes `bytes` (the record's `headers` are there for type hints).
    func deserialize(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Value
}

/// Turns a typed value into the bytes of a record's key or value (Spring-Kafka's `Serializer`).
public protocol Serializer<Value>: Sendable {
    /// The type consumed.
    associatedtype Value
    /// Encodes `value`; `nil` means no bytes (no key, or a tombstone).
    func serialize(_ value: Value) throws -> [UInt8]?
}

/// Why a built-in deserializer refused its input (wrapped into ``DeserializationError``).
public enum PayloadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes were absent (`nil`) but the type needs some.
    case missing(type: String)
    /// The bytes have the wrong length for a fixed-width type.
    case wrongLength(type: String, expected: Int, got: Int)
    /// The bytes are not valid UTF-8.
    case invalidUTF8
    /// A decoder refused the bytes.
    case undecodable(type: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let type): "no bytes (null) where a \(type) was expected"
        case .wrongLength(let type, let expected, let got): "\(type) needs \(expected) bytes, got \(got)"
        case .invalidUTF8: "the bytes are not valid UTF-8"
        case .undecodable(let type, let reason): "cannot decode \(type): \(reason)"
        }
    }
}
