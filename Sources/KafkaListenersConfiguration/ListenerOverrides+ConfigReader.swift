import Configuration
import KafkaListeners

extension ListenerOverrides {
    /// The settings read through a `ConfigReader`, under `kafka.listeners.<id>.`.
    public static let readerSettings = [
        "concurrency", "ack-mode", "ack-count", "ack-time", "max-poll-records", "auto-startup", "paused", "group-id",
    ]

    /// Overrides read with swift-configuration: `kafka.listeners.<id>.<setting>` for every declared id
    /// (keys as in ``ListenerOverrides``), plus `kafka.listeners.<id>.properties`, a string array of
    /// `key=value` consumer properties (read as secret, so an access reporter does not log them; an invalid
    /// one is reported without its value when its key is secret).
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
                        reader.string(forKey: key) ?? reader.int(forKey: key).map(String.init) ?? reader.double(
                            forKey: key
                        ).map { "\($0)" }
                        ?? reader.bool(forKey: key).map { $0 ? "true" : "false" }
                    if let text {
                        entries.append(Entry(listenerId: id, setting: setting, value: text, origin: prefix + setting))
                    }
                }
                for (number, property)
                    in (reader.stringArray(forKey: ConfigKey(prefix + "properties"), isSecret: true) ?? []).enumerated()
                {
                    let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2, !parts[0].isEmpty else {
                        // Not repeated: a malformed entry may hold a secret the key would have marked.
                        throw ListenerOverrideError(
                            key: prefix + "properties", value: "",
                            reason: "entry \(number + 1) is not key=value (its text is not shown, it may hold a secret)"
                        )
                    }
                    entries.append(
                        Entry(
                            listenerId: id, setting: "properties." + parts[0], value: parts[1],
                            origin: prefix + "properties"))
                }
            }
            return entries
        })
    }
}
