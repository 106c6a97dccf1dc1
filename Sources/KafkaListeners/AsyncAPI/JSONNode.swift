import Foundation

/// A JSON value with ordered object keys, written deterministically (for generated documents).
indirect enum JSONNode: Sendable, Hashable {
    case object([(String, JSONNode)])
    case array([JSONNode])
    case string(String)
    case integer(Int)
    case bool(Bool)

    static func == (lhs: JSONNode, rhs: JSONNode) -> Bool { lhs.rendered(indent: 0) == rhs.rendered(indent: 0) }
    func hash(into hasher: inout Hasher) { hasher.combine(rendered(indent: 0)) }

    /// Pretty-printed JSON, two spaces per level.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let end = String(repeating: "  ", count: indent)
        switch self {
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n"
                + fields.map { "\(pad)\(Self.quote($0.0)): \($0.1.rendered(indent: indent + 1))" }.joined(
                    separator: ",\n") + "\n\(end)}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case .string(let text): return Self.quote(text)
        case .integer(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
