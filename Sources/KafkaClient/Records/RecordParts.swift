/// One record header: a string key and an optional byte value (Kafka allows repeated keys).
public struct RecordHeader: Hashable, Sendable, CustomStringConvertible {
    /// The header's name.
    public var key: String
    /// The header's value; `nil` is a header without a value.
    public var value: [UInt8]?

    /// Creates a header with raw bytes.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Creates a header with a UTF-8 string value.
    public init(key: String, string: String) {
        self.key = key
        self.value = Array(string.utf8)
    }

    /// The value decoded as UTF-8, if present.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }

    public var description: String { "\(key)=\(stringValue ?? "null")" }
}

extension Array where Element == RecordHeader {
    /// The value of the last header named `key` (Kafka's convention for repeated keys).
    public func lastValue(for key: String) -> [UInt8]? {
        last(where: { $0.key == key })?.value
    }

    /// The value of the last header named `key`, decoded as UTF-8.
    public func lastString(for key: String) -> String? {
        last(where: { $0.key == key })?.stringValue
    }
}

/// A record's timestamp and what it means.
public struct RecordTimestamp: Hashable, Sendable, CustomStringConvertible {
    /// Which clock produced the timestamp.
    public enum Kind: Sendable, Hashable {
        /// The broker did not report one.
        case notAvailable
        /// The producer's clock when the record was created.
        case createTime
        /// The broker's clock when it appended the record.
        case logAppendTime
    }

    /// Which clock produced the timestamp.
    public var kind: Kind
    /// Milliseconds since the Unix epoch (meaningless when `kind == .notAvailable`).
    public var milliseconds: Int64

    /// Creates a timestamp.
    public init(kind: Kind, milliseconds: Int64) {
        self.kind = kind
        self.milliseconds = milliseconds
    }

    public var description: String { kind == .notAvailable ? "n/a" : "\(milliseconds) ms (\(kind))" }
}
