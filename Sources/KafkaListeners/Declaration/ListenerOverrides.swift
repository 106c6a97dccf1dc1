import Foundation
import KafkaClient

/// Listener settings set outside the code, per listener id (Spring Boot's `spring.kafka.listener.*`), laid
/// over the declared settings when a ``KafkaApplication`` is built.
///
/// Keys (`<id>` is the listener id; in environment variables it is upper-cased with every character that is
/// not a letter or digit replaced by `_`):
///
/// | setting | file key (`kafka.listeners.<id>.…`) | environment (`KAFKA_LISTENERS_<ID>_…`) | values |
/// | --- | --- | --- | --- |
/// | concurrency | `concurrency` | `CONCURRENCY` | integer ≥ 1 |
/// | ack mode | `ack-mode` | `ACK_MODE` | `record`, `batch`, `time`, `count`, `count-time`, `manual`, `manual-immediate` |
/// | ack count | `ack-count` | `ACK_COUNT` | integer ≥ 1 (for `count`, `count-time`) |
/// | ack time | `ack-time` | `ACK_TIME` | duration: `500ms`, `5s`, `1m` or milliseconds (for `time`, `count-time`) |
/// | batch size | `max-poll-records` | `MAX_POLL_RECORDS` | integer ≥ 1 |
/// | auto-startup | `auto-startup` | `AUTO_STARTUP` | `true`, `false` |
/// | pause at start | `paused` | `PAUSED` | `true`, `false` |
/// | group id | `group-id` | `GROUP_ID` | text |
/// | consumer property | `properties.<kafka key>` | `PROPERTIES_<KEY>` (`_` becomes `.`) | text |
///
/// An override naming a listener that is not declared, an unknown setting, or an invalid value makes
/// building the application fail with a ``ListenerOverrideError`` naming the key and the allowed values.
public struct ListenerOverrides: Sendable {
    /// One setting for one listener, with where it came from.
    public struct Entry: Sendable, Hashable {
        /// The listener id (for environment variables: the normalized id, matched against the declared ids).
        public var listenerId: String
        /// The setting's key (`concurrency`, `ack-mode`, `properties.fetch.min.bytes`…).
        public var setting: String
        /// The value as written.
        public var value: String
        /// The full key as the user wrote it, for error messages.
        public var origin: String
        /// Whether the id is in environment-variable form (upper case, `_` for other characters).
        public var normalizedId: Bool

        /// Creates an entry.
        public init(listenerId: String, setting: String, value: String, origin: String, normalizedId: Bool = false) {
            self.listenerId = listenerId
            self.setting = setting
            self.value = value
            self.origin = origin
            self.normalizedId = normalizedId
        }
    }

    /// The entries, in the order they are applied (later ones win).
    public var entries: [Entry]
    /// Sources that produce their entries once the declared listener ids are known (a configuration
    /// reader that can look keys up but not list them); applied after ``entries``, in order.
    public var resolvers: [@Sendable (_ listenerIds: [String]) throws -> [Entry]]

    /// No overrides.
    public init() { self.init(entries: []) }

    /// Overrides from entries.
    public init(entries: [Entry]) {
        self.entries = entries
        self.resolvers = []
    }

    /// Overrides that `resolve` produces from the declared listener ids, when the application is built.
    public init(resolving resolve: @escaping @Sendable (_ listenerIds: [String]) throws -> [Entry]) {
        self.entries = []
        self.resolvers = [resolve]
    }

    /// Overrides from flat keys `<id>.<setting>` (for example `orders.concurrency` → `4`).
    public init(values: [String: String], origin prefix: String = "kafka.listeners.") {
        self.init(
            entries: values.sorted { $0.key < $1.key }.map { key, value in
                // Never empty: an empty key gives one empty part, which no declared id matches.
                let parts = key.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                return Entry(
                    listenerId: String(parts.first ?? ""), setting: parts.count > 1 ? String(parts[1]) : "",
                    value: value,
                    origin: prefix + key)
            })
    }

    /// This followed by `other` (whose entries win).
    public func merging(_ other: ListenerOverrides) -> ListenerOverrides {
        var merged = ListenerOverrides(entries: entries + other.entries)
        merged.resolvers = resolvers + other.resolvers
        return merged
    }
}

/// An external listener setting that cannot be applied.
///
/// The value of a secret setting (a key that `SecretRedaction.isSecretKey(_:)` recognizes, such as
/// `KAFKA_LISTENERS_ORDERS_PROPERTIES_SASL_PASSWORD`) is kept as `[redacted]`; other keys and values
/// are kept as `InputExcerpt`s, so a huge value is not repeated in full.
public struct ListenerOverrideError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key as written (file key or environment variable), cut to an excerpt.
    public var key: String
    /// The value found, cut to an excerpt; `[redacted]` for a secret setting.
    public var value: String
    /// What is wrong, including the allowed values.
    public var reason: String

    /// Creates the error, redacting the value of a secret key.
    public init(key: String, value: String, reason: String) {
        self.key = InputExcerpt.of(key)
        self.value =
            SecretRedaction.isSecretKey(key) && !value.isEmpty ? SecretRedaction.placeholder : InputExcerpt.of(value)
        self.reason = reason
    }

    public var description: String { "invalid listener setting \(key)=\"\(value)\": \(reason)" }
}
