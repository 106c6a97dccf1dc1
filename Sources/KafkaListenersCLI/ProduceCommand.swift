import ArgumentParser
import KafkaClient

/// `kafka-listeners produce TOPIC`: one record per line of standard input.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Send one record per line of standard input (the line is the value).",
        discussion: "Waits for every record's acknowledgement, then prints how many were sent and where.")
    @Argument(help: "The topic.") var topic: String
    @Option(help: "The key of every record.") var key: String?
    @Option(help: "A header key=value on every record (repeatable).") var header: [String] = []
    @Option(help: "A fixed partition.") var partition: Int32?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// Where a record went, as JSON shows it.
    struct SentJSON: Encodable {
        var partition: Int32
        var offset: Int64
    }

    /// The report as JSON shows it.
    struct ReportJSON: Encodable {
        var topic: String
        var produced: Int
        var records: [SentJSON]
    }

    func run() async throws {
        let topic = try validatedTopic(self.topic)
        if let partition, partition < 0 { throw CLIFailure(message: "--partition must not be negative, got \(partition)", exitCode: 2) }
        let headers = try keyValuePairs(header, option: "--header").map { RecordHeader(key: $0.0, string: $0.1) }
        let producer = try KafkaProducer(configuration: try connection.configuration(["linger.ms": "5"]))
        var sent: [RecordMetadata] = []
        do {
            // Send in windows: each window's records are in flight together, then all are awaited.
            var window: [ProducerRecord] = []
            func flushWindow() async throws {
                let records = window
                window.removeAll()
                let results = try await withThrowingTaskGroup(of: (Int, RecordMetadata).self) { group in
                    for (index, record) in records.enumerated() {
                        group.addTask { (index, try await producer.send(record)) }
                    }
                    var results: [(Int, RecordMetadata)] = []
                    for try await result in group { results.append(result) }
                    return results.sorted { $0.0 < $1.0 }.map(\.1)
                }
                sent += results
            }
            for await line in StandardInputLines.stream() {
                window.append(ProducerRecord(topic: topic, partition: partition, key: key, value: line, headers: headers))
                if window.count >= 500 { try await flushWindow() }
            }
            try await flushWindow()
        } catch {
            await producer.close()
            if let error = error as? KafkaError {
                throw CLIFailure(message: "sent \(sent.count) records, then: \(CLIFailure.describe(error))")
            }
            throw error
        }
        await producer.close()
        if output.json {
            try Terminal.printJSON(ReportJSON(topic: topic, produced: sent.count, records: sent.map { SentJSON(partition: $0.partition, offset: $0.offset) }))
        } else {
            Terminal.print("produced \(sent.count) records to '\(topic)'")
        }
    }
}
