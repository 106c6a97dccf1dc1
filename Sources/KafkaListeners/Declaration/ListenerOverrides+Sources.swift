import Foundation

extension ListenerOverrides {
    /// The environment-variable prefix: `KAFKA_LISTENERS_<ID>_<SETTING>`.
    public static let environmentPrefix = "KAFKA_LISTENERS_"

    /// Variables that start with ``environmentPrefix`` but are not listener overrides, and are skipped:
    /// `KAFKA_LISTENERS_LOG_LEVEL`, the `kafka-listeners` tool's log level (no override ends in `_LEVEL`).
    public static let reservedEnvironmentVariables: Set<String> = ["KAFKA_LISTENERS_LOG_LEVEL"]

    /// Overrides from environment variables `KAFKA_LISTENERS_<ID>_<SETTING>` (default: the process's),
    /// except the ``reservedEnvironmentVariables``.
    ///
    /// The id and setting are told apart when the application is built, by matching the declared ids.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        prefix: String = ListenerOverrides.environmentPrefix
    ) {
        self.init(
            entries: environment.filter {
                $0.key.hasPrefix(prefix) && !Self.reservedEnvironmentVariables.contains($0.key)
            }
            .sorted { $0.key < $1.key }.map { key, value in
                Entry(
                    listenerId: String(key.dropFirst(prefix.count)), setting: "", value: value, origin: key,
                    normalizedId: true)
            })
    }

    /// Overrides from a JSON document: `{"kafka": {"listeners": {"<id>": {"concurrency": 4, …}}}}`, or the
    /// object of listeners alone (`{"<id>": {…}}`). Nested objects become dotted keys
    /// (`"properties": {"fetch.min.bytes": "1"}`).
    ///
    /// - Throws: ``ListenerOverrideError`` when the document is not such an object.
    public init(json: Data, origin: String = "JSON") throws {
        let root: SettingsTree
        do { root = try JSONDecoder().decode(SettingsTree.self, from: json) } catch {
            throw ListenerOverrideError(key: origin, value: "", reason: "not valid JSON: \(error)")
        }
        var listeners = root
        if case .object(let top) = root, case .object(let kafka)? = top["kafka"], let nested = kafka["listeners"] {
            listeners = nested
        }
        guard case .object(let byId) = listeners else {
            throw ListenerOverrideError(
                key: origin, value: "",
                reason: "expected an object of listener ids: {\"kafka\": {\"listeners\": {\"<id>\": {…}}}}")
        }
        var values: [String: String] = [:]
        func flatten(_ prefix: String, _ value: SettingsTree) {
            switch value {
            case .object(let object): for (key, inner) in object { flatten("\(prefix).\(key)", inner) }
            case .scalar(let text): values[prefix] = text
            }
        }
        for (id, settings) in byId { flatten(id, settings) }
        self.init(values: values)
    }

    /// Overrides from a JSON file (see ``init(json:origin:)``).
    public init(jsonFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ListenerOverrideError(key: path, value: "", reason: "cannot read the file")
        }
        try self.init(json: data, origin: path)
    }
}

/// A settings document: nested objects of scalars (strings, numbers and booleans, kept as text).
enum SettingsTree: Decodable {
    case object([String: SettingsTree])
    case scalar(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let object = try? container.decode([String: SettingsTree].self) {
            self = .object(object)
        } else if let bool = try? container.decode(Bool.self) {
            self = .scalar(bool ? "true" : "false")
        } else if let int = try? container.decode(Int64.self) {
            self = .scalar(String(int))
        } else if let double = try? container.decode(Double.self) {
            self = .scalar(String(double))
        } else {
            self = .scalar(try container.decode(String.self))
        }
    }
}
