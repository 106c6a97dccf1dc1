import ArgumentParser
import Foundation
import KafkaClient
import KafkaListenersCLICore

/// `kafka-listeners consume TOPIC`: prints records as they arrive.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume", abstract: "Print a topic's records: partition, offset, key and value.",
        discussion: """
            With --group the consumer joins that group and commits what it printed; without, it reads every partition \
            outside any group and commits nothing. It starts at the end unless --from-beginning, and stops after --max \
            records, or on Ctrl-C.

            Text output is `partition=P offset=O key=K value=V`, or --format (kcat's -f): \(RecordFormat.summary). \
            No newline is added, so end the format with \\n; a missing key or value prints as nothing. Control \
            characters in keys, values and headers are printed escaped (\\n, \\t, \\r, \\xHH, \\u{HHHH}) so a \
            record cannot drive the terminal. Example: --format '%t/%p@%o %k=%s %h\\n'.

            --from-beginning and --group override auto.offset.reset and group.id from -X and --command-config; \
            without them, -X auto.offset.reset sets where a new group starts.
            """)
    @Argument(help: "The topic.") var topic: String
    @Option(help: "Join this consumer group (and commit what was printed).") var group: String?
    @Flag(help: "Start at the oldest record (default: only new records).") var fromBeginning = false
    @Option(help: "Stop after this many records.") var max: Int?
    @Option(
        name: [.customShort("f"), .long],
        help: ArgumentHelp(
            "Print each record in this format (see below), instead of the default text.", valueName: "format"))
    var format: String?
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
        if format != nil, output.json {
            throw CLIFailure(message: "--format and --output json exclude each other", exitCode: 2)
        }
        let recordFormat = try format.map { text throws(CLIFailure) in try RecordFormat.parse(text) }
        let defaults = [
            "auto.offset.reset": "latest", "enable.auto.commit": "false",
            "group.id": "kafka-listeners-cli-\(UUID().uuidString)",
        ]
        var flags: [ClientSetting] = []
        if let group { flags.append(ClientSetting(key: "group.id", value: group, origin: .flag("--group"))) }
        if fromBeginning {
            flags.append(ClientSetting(key: "auto.offset.reset", value: "earliest", origin: .flag("--from-beginning")))
        }
        let consumer = try KafkaConsumer(configuration: try connection.configuration(defaults, flags: flags))
        let stop = await SignalWaiter.start()
        do {
            if group != nil {
                try await consumer.subscribe(topics: [topic])
            } else {
                let partitions =
                    try await TopicsCommand.withAdmin(connection) {
                        try await $0.listTopics(timeout: connection.timeout.duration)
                    }.first { $0.name == topic }?.partitions ?? []
                guard !partitions.isEmpty else { throw CLIFailure(message: "topic '\(topic)' does not exist") }
                let start = fromBeginning ? KafkaOffset.beginning : KafkaOffset.end
                try await consumer.assign(partitions.map { TopicPartitionOffset(TopicPartition(topic, $0.id), start) })
            }
            var printed = 0
            while !stop.received {
                let records = try await consumer.poll(
                    maxRecords: Swift.min(500, (max ?? Int.max) - printed), timeout: .milliseconds(100))
                for record in records { try show(record, recordFormat) }
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

    private func show(_ record: ConsumerRecord, _ format: RecordFormat?) throws {
        if let format {
            Terminal.write(format.render(record))
        } else if output.json {
            try Terminal.printJSON(
                RecordJSON(
                    topic: record.topic, partition: record.partition, offset: record.offset, key: record.keyString,
                    value: record.valueString,
                    headers: Dictionary(record.headers.map { ($0.key, $0.stringValue ?? "") }, uniquingKeysWith: { $1 })
                ))
        } else {
            let key = record.keyString.map(TerminalText.escaped) ?? "null"
            let value = record.valueString.map(TerminalText.escaped) ?? "null"
            Terminal.print("partition=\(record.partition) offset=\(record.offset) key=\(key) value=\(value)")
        }
    }
}
