import ArgumentParser
import KafkaClient
import KafkaListenersCLICore

/// `kafka-listeners topics list | describe | create | delete`.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "List, describe, create and delete topics.",
        subcommands: [List.self, Describe.self, Create.self, Delete.self])

    /// What the mock cluster lacks, said where a create or delete times out or is refused.
    static let mockHint =
        "librdkafka's mock cluster (EmbeddedKafka, `kafka-listeners embedded`) has no CreateTopics or DeleteTopics: "
        + "create topics there with `kafka-listeners embedded --topic NAME:PARTITIONS`"

    /// Runs `body` with an admin client, closing it afterwards.
    static func withAdmin<T>(_ connection: ConnectionOptions, _ body: (KafkaAdmin) async throws -> T) async throws -> T
    {
        let admin = try KafkaAdmin(configuration: try connection.configuration())
        do {
            let result = try await body(admin)
            await admin.close()
            return result
        } catch {
            await admin.close()
            throw error
        }
    }

    /// A topic as JSON shows it.
    struct TopicJSON: Encodable {
        var name: String
        var partitions: [PartitionJSON]
        var error: String?
    }

    /// A partition as JSON shows it.
    struct PartitionJSON: Encodable {
        var partition: Int32
        var leader: Int32
        var replicas: [Int32]
        var inSyncReplicas: [Int32]
    }

    static func json(_ topic: TopicDescription) -> TopicJSON {
        TopicJSON(
            name: topic.name,
            partitions: topic.partitions.map {
                PartitionJSON(
                    partition: $0.id, leader: $0.leader, replicas: $0.replicas, inSyncReplicas: $0.inSyncReplicas)
            }, error: topic.error.map { "\($0)" })
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the cluster's topics with their partition counts.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Include Kafka's internal topics.") var includeInternal = false

        func run() async throws {
            let topics = try await withAdmin(connection) {
                try await $0.listTopics(includeInternal: includeInternal, timeout: connection.timeout.duration)
            }
            if output.json {
                try Terminal.printJSON(topics.map(TopicsCommand.json))
            } else {
                Terminal.printTable(["TOPIC", "PARTITIONS"], topics.map { [$0.name, String($0.partitionCount)] })
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a topic's partitions, leaders and replicas.")
        @Argument(help: "The topic.") var name: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let name = try validatedTopic(self.name)
            let topics = try await withAdmin(connection) {
                try await $0.listTopics(includeInternal: true, timeout: connection.timeout.duration)
            }
            guard let topic = topics.first(where: { $0.name == name }) else {
                throw CLIFailure(message: "topic '\(name)' does not exist")
            }
            if output.json {
                try Terminal.printJSON(TopicsCommand.json(topic))
            } else {
                Terminal.print("Topic: \(topic.name)  Partitions: \(topic.partitionCount)")
                Terminal.printTable(
                    ["PARTITION", "LEADER", "REPLICAS", "ISR"],
                    topic.partitions.map {
                        [
                            String($0.id), String($0.leader), $0.replicas.map(String.init).joined(separator: ","),
                            $0.inSyncReplicas.map(String.init).joined(separator: ","),
                        ]
                    })
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a topic (not on the mock cluster: see `embedded --topic`).")
        @Argument(help: "The topic.") var name: String
        @Option(help: "Partitions (default: the broker's num.partitions).") var partitions: Int32?
        @Option(help: "Replication factor (default: the broker's default.replication.factor).") var replication: Int32?
        @Option(name: .customLong("config"), help: "A topic setting key=value (repeatable).") var configs: [String] = []
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let name = try validatedTopic(self.name)
            if let partitions, partitions < 1 {
                throw CLIFailure(message: "--partitions must be at least 1, got \(partitions)", exitCode: 2)
            }
            if let replication, replication < 1 {
                throw CLIFailure(message: "--replication must be at least 1, got \(replication)", exitCode: 2)
            }
            let settings = Dictionary(try keyValuePairs(configs, option: "--config"), uniquingKeysWith: { $1 })
            try await TopicsCommand.explainingUnsupported("creating topics", connection) {
                try await $0.createTopic(
                    name, partitions: partitions, replicationFactor: replication, configs: settings,
                    timeout: connection.timeout.duration)
            }
            Terminal.print("created topic '\(name)'")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic (not on the mock cluster).")
        @Argument(help: "The topic.") var name: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let name = try validatedTopic(self.name)
            try await TopicsCommand.explainingUnsupported("deleting topics", connection) {
                try await $0.deleteTopics([name], timeout: connection.timeout.duration)
            }
            Terminal.print("deleted topic '\(name)'")
        }
    }

    /// Runs `body`, turning "not supported or timed out" into a message that names the mock cluster's gap.
    ///
    /// A cluster whose metadata names no controller (librdkafka's mock cluster reports none) cannot create
    /// or delete topics, so that is said at once instead of after the timeout.
    static func explainingUnsupported(
        _ request: String, _ connection: ConnectionOptions, _ body: (KafkaAdmin) async throws -> Void
    ) async throws {
        do {
            try await withAdmin(connection) { admin in
                let cluster = try await admin.describeCluster(timeout: connection.timeout.duration)
                guard cluster.controllerId != nil else {
                    throw CLIFailure(
                        message: "\(request) is not possible: the cluster names no controller broker. \(mockHint)")
                }
                try await body(admin)
            }
        } catch let error as KafkaError where error.kind == .timedOut || error.kind == .unsupported {
            throw CLIFailure(message: "\(CLIFailure.describe(error)). \(mockHint)")
        }
    }
}
