import Configuration
import KafkaListeners

extension ListenerOverrides {
    /// The settings read through a `ConfigReader`, under `kafka.listeners.<id>.`.
    public static let readerSettings = ["concurrency", "ack-mode", "ack-count", "ack-time", "max-poll-records", "auto-startup", "paused", "group-id"]

    /// Overrides read with swift-configuration: `kafka.listeners.<id>.<setting>` for every declared id
    /// (keys as in ``ListenerOverrides``), plus `kafka.listeners.<id>.properties`, a string array of
    /// `key=value` consumer properties.
    ///
    /// Any provider works: `EnvironmentVariablesProvider` (`KAFKA_LISTENERS_ORDERS_ACK_MODE`),
    /// `FileProvider<JSONSnapshot>`, `FileProvider<YAMLSnapshot>` (with the package's `YAML` trait),
    /// `InMemoryProvider`, or several in a `ConfigReader(providers:)`. A reader can look keys up but not
    /// list them, so settings for an id that is not declared are not seen (the environment and JSON
    /// sources of ``ListenerOverrides`` do report them); invalid values fail as usual, naming the key.
    public init(reader: ConfigReader) {
        self.init(resolving: { ids in
            var entries: [Entry] = []
            for id in ids {
                let prefix = "kafka.listeners.\(id)."
                for setting in Self.readerSettings {
                    let key = ConfigKey(prefix + setting)
                    let text =
                        reader.string(forKey: key) ?? reader.int(forKey: key).map(String.init) ?? reader.bool(forKey: key).map { $0 ? "true" : "false" }
                    if let text { entries.append(Entry(listenerId: id, setting: setting, value: text, origin: prefix + setting)) }
                }
                for property in reader.stringArray(forKey: ConfigKey(prefix + "properties")) ?? [] {
                    let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2, !parts[0].isEmpty else {
                        throw ListenerOverrideError(key: prefix + "properties", value: property, reason: "expected key=value")
                    }
                    entries.append(Entry(listenerId: id, setting: "properties." + parts[0], value: parts[1], origin: prefix + "properties"))
                }
            }
            return entries
        })
    }
}
