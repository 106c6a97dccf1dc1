import Crdkafka

/// librdkafka client settings: typed properties for the common keys plus raw `key = value` access.
///
/// Setting a property records it; nothing is checked until ``validate()`` or until a client is built
/// from the configuration, when every key goes through `rd_kafka_conf_set`. An unknown key or an
/// invalid value then throws a ``KafkaError`` of kind `.configuration` naming the key and
/// librdkafka's reason. ``description`` shows secrets (passwords, keys, tokens) as `[redacted]`.
public struct KafkaConfiguration: Sendable, CustomStringConvertible, Equatable {
    /// The settings in the order they were first set.
    public private(set) var properties: [(key: String, value: String)] = []

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

    /// Raw access to any librdkafka key; `nil` removes it.
    public subscript(key: String) -> String? {
        get { properties.last(where: { $0.key == key })?.value }
        set {
            if let index = properties.firstIndex(where: { $0.key == key }) {
                if let newValue { properties[index].value = newValue } else { properties.remove(at: index) }
            } else if let newValue {
                properties.append((key, newValue))
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
        for (key, value) in other.properties { copy[key] = value }
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
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, message: "rd_kafka_conf_new returned NULL", operation: "create configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = String(decoding: errorText.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let shown = Self.isSecret(key) ? "[redacted]" : value
                throw KafkaError(
                    kind: .configuration,
                    message: "invalid configuration key '\(key)' = '\(shown)': \(reason)",
                    operation: "set configuration key '\(key)'")
            }
        }
        return conf
    }

    /// Whether a key holds a secret that must never be printed.
    public static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "token", "private.key", "sasl.jaas", "oauthbearer.config", "key.pem"]
            .contains(where: { lowered.contains($0) })
    }

    public var description: String {
        let shown = properties.map { "\($0.key)=\(Self.isSecret($0.key) ? "[redacted]" : $0.value)" }
        return "KafkaConfiguration(\(shown.joined(separator: ", ")))"
    }

    public static func == (lhs: KafkaConfiguration, rhs: KafkaConfiguration) -> Bool {
        lhs.properties.map(\.key) == rhs.properties.map(\.key) && lhs.properties.map(\.value) == rhs.properties.map(\.value)
    }
}
