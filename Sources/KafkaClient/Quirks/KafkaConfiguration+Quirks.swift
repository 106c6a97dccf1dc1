extension KafkaConfiguration {
    /// The librdkafka work-arounds a client built from this configuration may apply (default: ``LibrdkafkaQuirks/all``).
    ///
    /// Each applies only where the loaded librdkafka needs it (``LibrdkafkaQuirks/needed(byVersion:)``); leaving one
    /// out turns it off. Stored as the key ``LibrdkafkaQuirks/configurationKey`` (the names of the quirks turned
    /// off), which never reaches librdkafka. A value that names an unknown quirk makes ``validate()`` and client
    /// creation throw; reading this property ignores such names.
    public var librdkafkaQuirks: LibrdkafkaQuirks {
        get {
            guard let text = self[LibrdkafkaQuirks.configurationKey] else { return .all }
            return LibrdkafkaQuirks.all.subtracting((try? LibrdkafkaQuirks(names: text, ignoringUnknown: true)) ?? [])
        }
        set {
            let off = LibrdkafkaQuirks.all.subtracting(newValue)
            self[LibrdkafkaQuirks.configurationKey] = off.isEmpty ? nil : off.name
        }
    }

    /// The quirks switched on by the raw key, checked: throws for an unknown name.
    func checkedLibrdkafkaQuirks() throws -> LibrdkafkaQuirks {
        guard let text = storage.last(where: { $0.key == LibrdkafkaQuirks.configurationKey })?.value else {
            return .all
        }
        return LibrdkafkaQuirks.all.subtracting(try LibrdkafkaQuirks(names: text))
    }

    /// Whether `key` belongs to this library and is kept from librdkafka.
    static func isLibraryKey(_ key: String) -> Bool {
        key == LibrdkafkaQuirks.configurationKey
    }
}
