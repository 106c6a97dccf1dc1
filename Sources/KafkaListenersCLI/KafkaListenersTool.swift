import ArgumentParser
import Foundation
import KafkaClient
import KafkaListenersCLICore
import Logging

/// The `kafka-listeners` command: topics, groups, produce, consume, fleet control and a local broker.
///
/// Runtime failures print one line, `kafka-listeners: <what went wrong>`, on stderr and exit with 1;
/// usage mistakes print ArgumentParser's message and usage and exit with 64.
@main
struct KafkaListenersTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-listeners",
        abstract: "Operate Kafka topics, consumer groups and swift-kafka-listeners fleets.",
        discussion: """
            Every command that talks to a cluster takes --bootstrap-servers, or reads KAFKA_BOOTSTRAP_SERVERS, and any \
            librdkafka setting (SASL, TLS, timeouts) from --command-config FILE (a Java-style properties file, as Kafka's \
            tools take) and -X key=value (as kcat takes). Precedence: the command's defaults < --command-config < -X < \
            dedicated options (--bootstrap-servers, --group, --from-beginning). Secret values (passwords, keys, tokens) \
            are never printed.
            KAFKA_LISTENERS_LOG_LEVEL (trace … critical, default critical) shows librdkafka's own log lines on stderr.
            `kafka-listeners embedded` runs a local in-process broker (librdkafka's mock cluster) until Ctrl-C.
            """,
        subcommands: [
            TopicsCommand.self, GroupsCommand.self, ProduceCommand.self, ConsumeCommand.self, ListenersCommand.self,
            EmbeddedCommand.self,
        ])

    /// Parses and runs a subcommand, turning runtime failures into one line on stderr.
    static func main() async {
        // librdkafka's own log lines (connection refused, …) stay quiet unless asked for: errors are reported once, by the command.
        let level =
            ProcessInfo.processInfo.environment["KAFKA_LISTENERS_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? .critical
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try await asyncParseAsRoot(
                JoinedSettingArguments.split(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            Terminal.fail(failure.message, code: failure.exitCode)
        } catch let error as KafkaError {
            Terminal.fail(CLIFailure.describe(error), code: 1)
        } catch {
            exit(withError: error)
        }
    }
}
