import Foundation
import KafkaClient

/// A `Codable` type carried as JSON: declare the conformance (`extension Order: JSONPayload {}`) and it
/// decodes and encodes with `JSONDecoder`/`JSONEncoder` (default strategies).
public protocol JSONPayload: KafkaPayload, Codable {}

extension JSONPayload {
    /// Decodes the bytes as JSON.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Self {
        try JSONDeserializer<Self>().deserialize(bytes, headers: headers)
    }
    /// Encodes the value as JSON.
    public func encode() throws -> [UInt8]? { try JSONSerializer<Self>().serialize(self) }
    /// The schema derived from the type's `Decodable` conformance.
    public static var schema: PayloadSchema { .derived(from: Self.self) }
    /// JSON.
    public static var contentType: String { "application/json" }
}

/// Decodes JSON into any `Decodable` type, with a decoder you configure (dates, key strategies).
public struct JSONDeserializer<Value: Decodable & Sendable>: Deserializer {
    private let makeDecoder: @Sendable () -> JSONDecoder

    /// Creates the deserializer; `decoder` builds the `JSONDecoder` used for each record.
    public init(_ type: Value.Type = Value.self, decoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() }) {
        self.makeDecoder = decoder
    }

    /// Decodes the bytes as JSON.
    public func deserialize(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Value {
        let bytes = try present(bytes, Value.self)
        do {
            return try bytes.withUnsafeBytes { try makeDecoder().decode(Value.self, from: Data($0)) }
        } catch let error as DecodingError {
            throw PayloadError.undecodable(type: "\(Value.self)", reason: describe(error))
        } catch {
            throw PayloadError.undecodable(type: "\(Value.self)", reason: "\(error)")
        }
    }

    private func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        switch error {
        case .dataCorrupted(let context): return "invalid JSON\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)'\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context): return "null where \(type) expected\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

/// Encodes any `Encodable` value as JSON.
public struct JSONSerializer<Value: Encodable>: Serializer {
    private let makeEncoder: @Sendable () -> JSONEncoder

    /// Creates the serializer; `encoder` builds the `JSONEncoder` used for each value.
    public init(_ type: Value.Type = Value.self, encoder: @escaping @Sendable () -> JSONEncoder = { JSONEncoder() }) {
        self.makeEncoder = encoder
    }

    /// Encodes `value` as JSON.
    public func serialize(_ value: Value) throws -> [UInt8]? { Array(try makeEncoder().encode(value)) }
}
