/// A topic name that passed Kafka's naming rules.
///
/// The rules: not empty; not `.` or `..`; at most 249 characters; only ASCII letters, digits, `.`, `_`
/// and `-`; not one of Kafka's internal topics (`__consumer_offsets`, `__transaction_state`). Two names
/// that differ only by `.` versus `_` collide in Kafka's metrics, so a name that collides with an
/// existing one is rejected by ``validate(_:existing:)``.
public struct TopicName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The longest name Kafka accepts.
    public static let maximumLength = 249
    /// Topics Kafka uses itself; applications may not create them.
    public static let internalTopics: Set<String> = ["__consumer_offsets", "__transaction_state"]

    /// The validated name.
    public let rawValue: String

    /// Validates `name`.
    ///
    /// - Throws: ``KafkaError`` of kind `.invalidTopicName` saying which rule was broken.
    public init(_ name: String) throws {
        try Self.validate(name)
        rawValue = name
    }

    /// A literal name; a literal that breaks the rules stops the program with the rule's message.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("\(error)") }
    }

    public var description: String { rawValue }

    /// The name with `.` replaced by `_`: two names with the same key collide.
    public var collisionKey: String { Self.collisionKey(rawValue) }

    /// Checks `name` against every rule.
    ///
    /// - Throws: ``KafkaError`` of kind `.invalidTopicName` with a message naming the rule.
    public static func validate(_ name: String) throws {
        func fail(_ reason: String) -> KafkaError {
            KafkaError(
                kind: .invalidTopicName, message: "invalid topic name '\(InputExcerpt.of(name))': \(reason)",
                operation: "validate topic name")
        }
        if name.isEmpty { throw fail("a topic name must not be empty") }
        if name == "." || name == ".." { throw fail("'.' and '..' are not allowed as topic names") }
        if name.utf8.count > maximumLength {
            throw fail("a topic name must be at most \(maximumLength) characters, this one has \(name.utf8.count)")
        }
        if let bad = name.unicodeScalars.first(where: { !isLegal($0) }) {
            throw fail(
                "character '\(InputExcerpt.of(String(bad)))' is not allowed; use only ASCII letters, digits, '.', '_' and '-'"
            )
        }
        if internalTopics.contains(name) { throw fail("'\(name)' is an internal Kafka topic") }
    }

    /// Checks `name` and that it does not collide with any of `existing` by `.` versus `_`.
    ///
    /// - Throws: ``KafkaError`` of kind `.invalidTopicName` when a rule is broken or a name collides.
    public static func validate(_ name: String, existing: some Sequence<String>) throws {
        try validate(name)
        let key = collisionKey(name)
        if let other = existing.first(where: { $0 != name && collisionKey($0) == key }) {
            throw KafkaError(
                kind: .invalidTopicName,
                message:
                    "invalid topic name '\(InputExcerpt.of(name))': it collides with existing topic '\(other)' because '.' and '_' are treated alike",
                operation: "validate topic name")
        }
    }

    /// The name with `.` replaced by `_`.
    public static func collisionKey(_ name: String) -> String {
        String(name.map { $0 == "." ? "_" : $0 })
    }

    private static func isLegal(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}
