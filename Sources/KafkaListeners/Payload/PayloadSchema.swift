/// The shape of a payload, as a JSON Schema subset (for AsyncAPI documents).
public indirect enum PayloadSchema: Sendable, Hashable {
    /// Any bytes or value: nothing is known.
    case any
    /// Opaque bytes (`format: binary`).
    case binary
    /// Text, with an optional format (`date-time`, `uuid`, `uri`…).
    case string(format: String?)
    /// An integer, with its format (`int32`, `int64`…).
    case integer(format: String?)
    /// A floating-point number.
    case number
    /// `true` or `false`.
    case boolean
    /// A list of elements.
    case array(PayloadSchema)
    /// A JSON object: named properties (in declaration order) and which are required.
    case object(name: String?, properties: [Property])
    /// A schema whose value may also be null.
    case nullable(PayloadSchema)

    /// One property of an object schema.
    public struct Property: Sendable, Hashable {
        /// The JSON key.
        public var name: String
        /// The value's schema.
        public var schema: PayloadSchema
        /// Whether the key must be present.
        public var required: Bool

        /// Creates a property.
        public init(name: String, schema: PayloadSchema, required: Bool) {
            self.name = name
            self.schema = schema
            self.required = required
        }
    }

    /// The schema as a JSON Schema object.
    var json: JSONNode {
        switch self {
        case .any: return .object([])
        case .binary: return .object([("type", .string("string")), ("format", .string("binary"))])
        case .string(let format):
            return .object([("type", .string("string"))] + (format.map { [("format", .string($0))] } ?? []))
        case .integer(let format):
            return .object([("type", .string("integer"))] + (format.map { [("format", .string($0))] } ?? []))
        case .number: return .object([("type", .string("number"))])
        case .boolean: return .object([("type", .string("boolean"))])
        case .array(let element): return .object([("type", .string("array")), ("items", element.json)])
        case .nullable(let inner):
            guard case .object(var fields) = inner.json, let typeIndex = fields.firstIndex(where: { $0.0 == "type" })
            else { return inner.json }
            fields[typeIndex].1 = .array([fields[typeIndex].1, .string("null")])
            return .object(fields)
        case .object(_, let properties):
            var fields: [(String, JSONNode)] = [("type", .string("object"))]
            fields.append(("properties", .object(properties.map { ($0.name, $0.schema.json) })))
            let required = properties.filter(\.required).map { JSONNode.string($0.name) }
            if !required.isEmpty { fields.append(("required", .array(required))) }
            return .object(fields)
        }
    }
}
