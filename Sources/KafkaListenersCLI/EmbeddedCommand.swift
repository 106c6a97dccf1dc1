import ArgumentParser
import Foundation
import KafkaClient
import KafkaListenersCLICore
import KafkaListenersTesting

/// `kafka-listeners embedded`: librdkafka's mock cluster as a standalone local broker, until Ctrl-C.
struct EmbeddedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedded",
        abstract: "Run a local Kafka cluster (librdkafka's mock cluster) until Ctrl-C or SIGTERM.",
        discussion: """
            The brokers listen on loopback ports librdkafka picks (librdkafka 2.0.2 cannot bind the mock brokers to a \
            chosen port). With --port, a forwarder on 127.0.0.1:PORT passes bootstrap connections to the first broker, so \
            clients on this machine can use localhost:PORT; they then talk to the brokers' own ports, as the metadata says. \
            The first line printed is `bootstrap.servers=<list>`. The mock has no CreateTopics: create topics with --topic.
            """)
    @Option(help: "How many brokers.") var brokers = 1
    @Option(help: "Also accept bootstrap connections on 127.0.0.1:PORT (forwarded to the first broker).") var port: Int?
    @Option(name: .customLong("topic"), help: "A topic to create, NAME:PARTITIONS (repeatable).") var topics: [String] =
        []
    @OptionGroup var output: OutputOptions

    /// What the command prints once the cluster runs, as JSON.
    struct ReadyJSON: Encodable {
        var bootstrapServers: String
        var forwardedPort: Int?
        var topics: [String]
    }

    func run() async throws {
        guard (1...16).contains(brokers) else {
            throw CLIFailure(message: "--brokers must be 1…16, got \(brokers)", exitCode: 2)
        }
        if let port, !(1...65535).contains(port) {
            throw CLIFailure(message: "--port must be 1…65535, got \(port)", exitCode: 2)
        }
        let wanted = try topics.map(Self.parseTopic)
        let signals = await SignalWaiter.start()
        let cluster = try await EmbeddedKafka.start(brokers: brokers)
        var forwarder: BootstrapForwarder?
        do {
            for (name, partitions) in wanted {
                try cluster.createTopic(name, partitions: partitions, replicationFactor: Int32(Swift.min(brokers, 3)))
            }
            if let port {
                let first =
                    cluster.bootstrapServers.split(separator: ",").first.map(String.init) ?? cluster.bootstrapServers
                forwarder = try await BootstrapForwarder.start(port: port, target: first)
            }
        } catch {
            await cluster.stop()
            throw error
        }
        if output.json {
            try Terminal.printJSON(
                ReadyJSON(
                    bootstrapServers: cluster.bootstrapServers, forwardedPort: port,
                    topics: wanted.map { "\($0.0):\($0.1)" }))
        } else {
            Terminal.print("bootstrap.servers=\(cluster.bootstrapServers)")
            if let port {
                Terminal.print(
                    "forwarding 127.0.0.1:\(port) to the first broker: KAFKA_BOOTSTRAP_SERVERS=localhost:\(port) works too"
                )
            }
            for (name, partitions) in wanted { Terminal.print("created topic '\(name)' with \(partitions) partitions") }
            Terminal.print("export KAFKA_BOOTSTRAP_SERVERS=\(cluster.bootstrapServers)")
            Terminal.print("running \(brokers) broker\(brokers == 1 ? "" : "s"); Ctrl-C stops")
        }
        let signal = await signals.wait()
        await forwarder?.stop()
        await cluster.stop()
        Terminal.print("stopped on \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
    }

    /// Parses `NAME:PARTITIONS` (or `NAME`, one partition).
    static func parseTopic(_ text: String) throws -> (String, Int32) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = try validatedTopic(String(parts[0]))
        guard parts.count == 2 else { return (name, 1) }
        guard let partitions = Int32(parts[1]), partitions >= 1 else {
            throw CLIFailure(
                message: "--topic takes NAME:PARTITIONS with at least 1 partition, got '\(text)'", exitCode: 2)
        }
        return (name, partitions)
    }
}
