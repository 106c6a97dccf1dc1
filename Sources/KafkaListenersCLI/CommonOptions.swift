import ArgumentParser
import Foundation
import KafkaClient

/// How to reach the cluster: `--bootstrap-servers`, or the `KAFKA_BOOTSTRAP_SERVERS` environment variable.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Comma-separated host:port list (default: $KAFKA_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(name: .long, help: "How long one request may take, such as 10s or 500ms.")
    var timeout: DurationArgument = DurationArgument(.seconds(10))

    /// The bootstrap servers to use.
    ///
    /// - Throws: ``CLIFailure`` when neither the option nor the environment variable is set.
    func servers() throws -> String {
        if let bootstrapServers, !bootstrapServers.isEmpty { return bootstrapServers }
        if let servers = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty { return servers }
        throw CLIFailure(message: "no cluster given: pass --bootstrap-servers host:port or set KAFKA_BOOTSTRAP_SERVERS", exitCode: 2)
    }

    /// A client configuration for the cluster, with librdkafka's own logging kept to errors.
    func configuration(_ extra: [String: String] = [:]) throws -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: try servers()).merging(KafkaConfiguration(["log_level": "3"].merging(extra) { $1 }))
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
