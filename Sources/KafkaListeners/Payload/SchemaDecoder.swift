import Foundation

extension PayloadSchema {
    /// The schema of a `Decodable` type, found by running its `init(from:)` against a recording decoder.
    ///
    /// Properties are read in the order the type decodes them; optional ones (`decodeIfPresent`) are not
    /// required. Where the type's decoding cannot be followed (an enum refusing the placeholder value, a
    /// custom check), the properties seen so far are kept and the rest is unknown.
    public static func derived<T: Decodable>(from type: T.Type) -> PayloadSchema {
        let slot = SchemaSlot()
        _ = try? T(from: SchemaDecoder(slot: slot, codingPath: []))
        return slot.schema(named: String(describing: T.self))
    }
}

/// Where one value's schema is recorded while a type decodes.
final class SchemaSlot {
    var kind: PayloadSchema = .any
    var properties: [(name: String, slot: SchemaSlot, required: Bool)] = []
    var isObject = false
    var element: SchemaSlot?

    func schema(named name: String? = nil) -> PayloadSchema {
        if isObject {
            return .object(
                name: name,
                properties: properties.map {
                    PayloadSchema.Property(name: $0.name, schema: $0.slot.schema(), required: $0.required)
                })
        }
        if let element { return .array(element.schema()) }
        return kind
    }

    func property(_ key: String) -> SchemaSlot {
        isObject = true
        if let existing = properties.first(where: { $0.name == key }) { return existing.slot }
        let slot = SchemaSlot()
        properties.append((key, slot, true))
        return slot
    }

    func markOptional(_ key: String) {
        _ = property(key)
        if let index = properties.firstIndex(where: { $0.name == key }) { properties[index].required = false }
    }
}

/// A decoder that answers every request with a placeholder and records what was asked.
struct SchemaDecoder: Decoder {
    let slot: SchemaSlot
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        slot.isObject = true
        return KeyedDecodingContainer(KeyedSchemaContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let element = SchemaSlot()
        slot.element = element
        return UnkeyedSchemaContainer(element: element, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleSchemaContainer(slot: slot, codingPath: codingPath)
    }
}

/// A placeholder value of a type, recording its schema in `slot`.
func placeholder<T: Decodable>(_ type: T.Type, into slot: SchemaSlot, codingPath: [any CodingKey]) throws -> T {
    switch type {
    case is String.Type:
        slot.kind = .string(format: nil)
        return "" as! T
    case is Bool.Type:
        slot.kind = .boolean
        return false as! T
    case is Double.Type, is Float.Type:
        slot.kind = .number
        return 0.0 as? T ?? Float(0) as! T
    case is Date.Type:
        slot.kind = .string(format: "date-time")
        return Date(timeIntervalSince1970: 0) as! T
    case is UUID.Type:
        slot.kind = .string(format: "uuid")
        return UUID() as! T
    case is URL.Type:
        slot.kind = .string(format: "uri")
        return URL(string: "https://example.com")! as! T
    case is Data.Type:
        slot.kind = .binary
        return Data() as! T
    case is Decimal.Type:
        slot.kind = .number
        return Decimal(0) as! T
    default: break
    }
    if let integer = type as? any FixedWidthInteger.Type {
        slot.kind = .integer(format: integer.bitWidth == 64 ? "int64" : integer.bitWidth == 32 ? "int32" : nil)
        return integer.zero as! T
    }
    return try T(from: SchemaDecoder(slot: slot, codingPath: codingPath))
}

extension FixedWidthInteger {
    fileprivate static var zero: Self { 0 }
}

struct KeyedSchemaContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let slot: SchemaSlot
    var codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool {
        slot.markOptional(key.stringValue)
        return false
    }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try placeholder(type, into: slot.property(key.stringValue), codingPath: codingPath + [key])
    }
    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let nested = slot.property(key.stringValue)
        nested.isObject = true
        return KeyedDecodingContainer(KeyedSchemaContainer<NestedKey>(slot: nested, codingPath: codingPath + [key]))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let element = SchemaSlot()
        slot.property(key.stringValue).element = element
        return UnkeyedSchemaContainer(element: element, codingPath: codingPath + [key])
    }
    func superDecoder() throws -> any Decoder { SchemaDecoder(slot: slot, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        SchemaDecoder(slot: slot.property(key.stringValue), codingPath: codingPath + [key])
    }
}

/// Yields one element, so the element type is recorded, then ends.
struct UnkeyedSchemaContainer: UnkeyedDecodingContainer {
    let element: SchemaSlot
    var codingPath: [any CodingKey]
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex >= 1 }

    init(element: SchemaSlot, codingPath: [any CodingKey]) {
        self.element = element
        self.codingPath = codingPath
    }

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try placeholder(type, into: element, codingPath: codingPath)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        currentIndex += 1
        element.isObject = true
        return KeyedDecodingContainer(KeyedSchemaContainer<NestedKey>(slot: element, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        let inner = SchemaSlot()
        element.element = inner
        return UnkeyedSchemaContainer(element: inner, codingPath: codingPath)
    }
    mutating func superDecoder() throws -> any Decoder { SchemaDecoder(slot: element, codingPath: codingPath) }
}

struct SingleSchemaContainer: SingleValueDecodingContainer {
    let slot: SchemaSlot
    var codingPath: [any CodingKey]

    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try placeholder(type, into: slot, codingPath: codingPath) }
}
