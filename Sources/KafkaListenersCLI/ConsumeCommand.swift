import ArgumentParser
import Foundation
import KafkaClient

/// `kafka-listeners consume TOPIC`: prints records as they arrive.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume", abstract: "Print a topic's records: partition, offset, key and value.",
        discussion: """
            With --group the consumer joins that group and commits what it printed; without, it reads every partition \
            outside any group and commits nothing. It starts at the end unless --from-beginning, and stops after --max \
            records, or on Ctrl-C.
            """)
    @Argument(help: "The topic.") var topic: String
    @Option(help: "Join this consumer group (and commit what was printed).") var group: String?
    @Flag(help: "Start at the oldest record (default: only new records).") var fromBeginning = false
    @Option(help: "Stop after this many records.") var max: Int?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// A record as JSON shows it (one object per line).
    struct RecordJSON: Encodable {
        var topic: String
        var partition: Int32
        var offset: Int64
        var key: String?
        var value: String?
        var headers: [String: String]
    }

    func run() async throws {
        let topic = try validatedTopic(self.topic)
        if let max, max < 1 { throw CLIFailure(message: "--max must be at least 1, got \(max)", exitCode: 2) }
        if let group, group.isEmpty { throw CLIFailure(message: "a group id must not be empty", exitCode: 2) }
        var settings = ["auto.offset.reset": fromBeginning ? "earliest" : "latest", "enable.auto.commit": "false"]
        settings["group.id"] = group ?? "kafka-listeners-cli-\(UUID().uuidString)"
        let consumer = try KafkaConsumer(configuration: try connection.configuration(settings))
        let stop = SignalWaiter.shared
        do {
            if group != nil {
                try await consumer.subscribe(topics: [topic])
            } else {
                let partitions = try await TopicsCommand.withAdmin(connection) {
                    try await $0.listTopics(timeout: connection.timeout.duration)
                }.first { $0.name == topic }?.partitions ?? []
                guard !partitions.isEmpty else { throw CLIFailure(message: "topic '\(topic)' does not exist") }
                let start = fromBeginning ? KafkaOffset.beginning : KafkaOffset.end
                try await consumer.assign(partitions.map { TopicPartitionOffset(TopicPartition(topic, $0.id), start) })
            }
            var printed = 0
            while !stop.received {
                let records = try await consumer.poll(maxRecords: Swift.min(500, (max ?? Int.max) - printed), timeout: .milliseconds(100))
                for record in records { try show(record) }
                printed += records.count
                if group != nil, !records.isEmpty {
                    var next: [TopicPartition: Int64] = [:]
                    for record in records { next[record.topicPartition] = record.offset + 1 }
                    do {
                        try await consumer.commit(next.map { TopicPartitionOffset($0.key, KafkaOffset($0.value)) })
                    } catch let error as KafkaError {
                        // A commit during a rebalance is refused; the next poll's commit covers these records.
                        Terminal.printError("kafka-listeners: warning: \(CLIFailure.describe(error))")
                    }
                }
                if let max, printed >= max { break }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    private func show(_ record: ConsumerRecord) throws {
        if output.json {
            try Terminal.printJSON(RecordJSON(
                topic: record.topic, partition: record.partition, offset: record.offset, key: record.keyString, value: record.valueString,
                headers: Dictionary(record.headers.map { ($0.key, $0.stringValue ?? "") }, uniquingKeysWith: { $1 })))
        } else {
            Terminal.print("partition=\(record.partition) offset=\(record.offset) key=\(record.keyString ?? "null") value=\(record.valueString ?? "null")")
        }
    }
}
