import Crdkafka

/// librdkafka client settings: typed properties for the common keys plus raw `key = value` access.
///
/// Setting a property records it; nothing is checked until ``validate()`` or until a client is built
/// from the configuration, when every key goes through `rd_kafka_conf_set`. An unknown key or an
/// invalid value then throws a ``KafkaError`` of kind `.configuration` naming the key and
/// librdkafka's reason. The one key of this library's own, ``LibrdkafkaQuirks/configurationKey``
/// (see ``librdkafkaQuirks``), is checked here and never passed to librdkafka.
///
/// Secrets (keys that ``SecretRedaction/isSecretKey(_:)`` recognizes: passwords, keys, tokens) can be set
/// but not read back: ``properties``, the subscript, ``description`` and every error show them as
/// `[redacted]`, and the client's librdkafka log lines go through ``SecretRedaction/redact(_:secrets:)``
/// with these values.
public struct KafkaConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable,
    Equatable
{
    /// The settings in the order they were first set, as given (secrets included); never shown.
    private(set) var storage: [(key: String, value: String)] = []

    /// The settings in the order they were first set, with each secret's value shown as `[redacted]`.
    public var properties: [(key: String, value: String)] {
        storage.map { ($0.key, Self.isSecret($0.key) ? SecretRedaction.placeholder : $0.value) }
    }

    /// The values of the secret settings, for redacting them from text librdkafka produces.
    var secretValues: [String] {
        storage.filter { Self.isSecret($0.key) }.map(\.value)
    }

    /// An empty configuration: librdkafka's defaults apply to every key.
    public init() {}

    /// A configuration that starts from `bootstrapServers`.
    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// A configuration from raw `key = value` pairs (validated when used).
    public init(_ properties: [String: String]) {
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) { self[key] = value }
    }

    /// Raw access to any librdkafka key; `nil` removes it. Reading a secret key gives `[redacted]`.
    public subscript(key: String) -> String? {
        get {
            guard let value = storage.last(where: { $0.key == key })?.value else { return nil }
            return Self.isSecret(key) ? SecretRedaction.placeholder : value
        }
        set {
            if let index = storage.firstIndex(where: { $0.key == key }) {
                if let newValue { storage[index].value = newValue } else { storage.remove(at: index) }
            } else if let newValue {
                storage.append((key, newValue))
            }
        }
    }

    /// Returns a copy with `key` set to `value`.
    public func with(_ key: String, _ value: String) -> KafkaConfiguration {
        var copy = self
        copy[key] = value
        return copy
    }

    /// Returns a copy with every pair of `other` laid over this one.
    public func merging(_ other: KafkaConfiguration) -> KafkaConfiguration {
        var copy = self
        for (key, value) in other.storage { copy[key] = value }
        return copy
    }

    /// Checks every key and value with librdkafka without creating a client.
    ///
    /// - Throws: ``KafkaError`` of kind `.configuration` naming the first bad key and librdkafka's reason.
    public func validate() throws {
        let conf = try makeNativeConfiguration()
        rd_kafka_conf_destroy(conf)
    }

    /// Builds an `rd_kafka_conf_t` with every property set. The caller owns the result.
    func makeNativeConfiguration() throws -> OpaquePointer {
        try UnsecuredJWTConfig.check(storage)
        _ = try checkedLibrdkafkaQuirks()
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(
                kind: .configuration, message: "rd_kafka_conf_new returned NULL", operation: "create configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in storage where !Self.isLibraryKey(key) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = SecretRedaction.redact(
                    String(decoding: errorText.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self),
                    secrets: secretValues)
                let shown = Self.isSecret(key) ? SecretRedaction.placeholder : InputExcerpt.of(value)
                throw KafkaError(
                    kind: .configuration,
                    message: "invalid configuration key '\(key)' = '\(shown)': \(reason)",
                    operation: "set configuration key '\(key)'")
            }
        }
        return conf
    }

    /// Whether a key holds a secret that must never be printed (see ``SecretRedaction/isSecretKey(_:)``).
    public static func isSecret(_ key: String) -> Bool {
        SecretRedaction.isSecretKey(key)
    }

    public var description: String {
        "KafkaConfiguration(\(properties.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    /// Shows ``properties`` (secrets redacted) to `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: properties.map { (label: $0.key, value: $0.value as Any) }, displayStyle: .dictionary)
    }

    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool {
        lhs.storage.map(\.key) == rhs.storage.map(\.key) && lhs.storage.map(\.value) == rhs.storage.map(\.value)
    }
}
