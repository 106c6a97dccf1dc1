import ArgumentParser
import Foundation
import KafkaClient
import KafkaListenersCLICore

/// How to reach the cluster: `--bootstrap-servers` (or `bootstrap.servers` from `-X` or `--command-config`, or the
/// `KAFKA_BOOTSTRAP_SERVERS` environment variable), plus any librdkafka setting from `--command-config` and `-X`.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Comma-separated host:port list (default: bootstrap.servers from -X or --command-config, else $KAFKA_BOOTSTRAP_SERVERS)."
    )
    var bootstrapServers: String?

    @Option(name: .long, help: "How long one request may take, such as 10s or 500ms.")
    var timeout: DurationArgument = DurationArgument(.seconds(10))

    @Option(
        name: .customLong("command-config"),
        help: ArgumentHelp(
            "A properties file of librdkafka settings (key=value or key: value lines, # or ! comments), such as SASL and TLS.",
            valueName: "file"))
    var commandConfig: String?

    @Option(
        name: .customShort("X", allowingJoined: true),
        help: ArgumentHelp(
            "A librdkafka setting (repeatable; -Xkey=value works too). Precedence: the command's defaults < --command-config < -X (the last -X "
                + "of a key wins) < dedicated options such as --bootstrap-servers and --group.",
            valueName: "key=value"))
    var settings: [String] = []

    /// The settings of `--command-config` and then of each `-X`, parsed but not yet checked by librdkafka.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) for an unreadable or malformed file or a malformed `-X`.
    func givenSettings() throws(CLIFailure) -> (file: [ClientSetting], options: [ClientSetting]) {
        let file = try commandConfig.map { path throws(CLIFailure) in try CommandConfigFile.load(path) } ?? []
        var options: [ClientSetting] = []
        for (index, argument) in settings.enumerated() {
            options.append(try SettingArgument.parse(argument, position: index + 1))
        }
        return (file, options)
    }

    /// The bootstrap servers to use: `--bootstrap-servers`, else `bootstrap.servers` of `-X` or the file, else the
    /// environment variable.
    ///
    /// - Throws: ``CLIFailure`` when none of them is set.
    func servers() throws -> String {
        let (file, options) = try givenSettings()
        return try servers(given: file + options).value
    }

    private func servers(given: [ClientSetting]) throws -> ClientSetting {
        if let bootstrapServers, !bootstrapServers.isEmpty {
            return ClientSetting(
                key: "bootstrap.servers", value: bootstrapServers, origin: .flag("--bootstrap-servers"))
        }
        if let setting = given.last(where: { $0.key == "bootstrap.servers" && !$0.value.isEmpty }) { return setting }
        if let servers = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty {
            return ClientSetting(key: "bootstrap.servers", value: servers, origin: .commandDefault)
        }
        throw CLIFailure(
            message: "no cluster given: pass --bootstrap-servers host:port or set KAFKA_BOOTSTRAP_SERVERS", exitCode: 2)
    }

    /// A client configuration for the cluster: `defaults` (with librdkafka's own logging kept to errors), then
    /// `--command-config`, then `-X`, then `flags` (what the command's dedicated options set, with `.flag` origins) and the bootstrap servers.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) for a malformed file or `-X`, or a key or value librdkafka refuses (named
    ///   with where it came from; a secret's value is never shown).
    func configuration(_ defaults: [String: String] = [:], flags: [ClientSetting] = []) throws -> KafkaConfiguration {
        let (file, options) = try givenSettings()
        let servers = try servers(given: file + options)
        let base = ["log_level": "3"].merging(defaults) { $1 }.sorted { $0.key < $1.key }.map {
            ClientSetting(key: $0.key, value: $0.value, origin: .commandDefault)
        }
        let environment = servers.origin == .commandDefault ? [servers] : []
        let flagged = servers.origin == .commandDefault ? [] : [servers]
        return try ClientSettings.configuration(
            ClientSettings.resolve([environment + base, file, options, flags + flagged]))
    }
}

/// `--output text|json` for every command that reads.
struct OutputOptions: ParsableArguments {
    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .long, help: "text (tables) or json.")
    var output: Format = .text

    /// Whether JSON was asked for.
    var json: Bool { output == .json }
}

/// A duration on the command line, in ``DurationText``'s format: `500ms`, `30s`, `5m`, `1h`, `2d` or a
/// plain number of seconds, more than zero and at most 365 days.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The parsed duration.
    var duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        guard let duration = try? Self.parse(argument) else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds)s" : "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }

    /// Parses a duration with ``DurationText``, refusing zero (a wait of nothing is always a mistake here).
    ///
    /// - Throws: ``DurationParseError`` naming the input.
    static func parse(_ text: String) throws(DurationParseError) -> Duration {
        let duration = try DurationText.parse(text)
        guard duration > .zero else { throw DurationParseError(input: text, reason: .notPositive) }
        return duration
    }
}

/// Parses `key=value` pairs, failing with a clear message.
func keyValuePairs(_ pairs: [String], option: String) throws -> [(String, String)] {
    try pairs.map { pair in
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw CLIFailure(message: "\(option) takes key=value, got '\(pair)'", exitCode: 2)
        }
        return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }
}

/// Checks a topic name before any request, failing with the rule it breaks.
func validatedTopic(_ name: String) throws -> String {
    do {
        try TopicName.validate(name)
    } catch let error as KafkaError {
        throw CLIFailure(message: error.message, exitCode: 2)
    }
    return name
}
