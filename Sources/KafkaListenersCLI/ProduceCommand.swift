import ArgumentParser
import KafkaClient
import KafkaListenersCLICore
import Synchronization

/// `kafka-listeners produce TOPIC`: one record per line of standard input.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Send one record per line of standard input (the line is the value).",
        discussion: """
            Records are enqueued in input order (records of one key, or with --partition, keep that order), then the \
            command waits until every one is delivered and prints how many were sent. It fails if any was not delivered.
            """)
    @Argument(help: "The topic.") var topic: String
    @Option(help: "The key of every record.") var key: String?
    @Option(help: "A header key=value on every record (repeatable).") var header: [String] = []
    @Option(help: "A fixed partition.") var partition: Int32?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    /// The report as JSON shows it.
    struct ReportJSON: Encodable {
        var topic: String
        var produced: Int
    }

    /// Delivery failures reported by the producer's thread.
    final class Failures: Sendable {
        let list = Mutex<[ProducerRecordFailure]>([])
    }

    func run() async throws {
        let topic = try validatedTopic(self.topic)
        if let partition, partition < 0 {
            throw CLIFailure(message: "--partition must not be negative, got \(partition)", exitCode: 2)
        }
        let headers = try keyValuePairs(header, option: "--header").map { RecordHeader(key: $0.0, string: $0.1) }
        let failures = Failures()
        let producer = try KafkaProducer(
            configuration: try connection.configuration(["linger.ms": "5"]),
            onDeliveryFailure: { failure in failures.list.withLock { $0.append(failure) } })
        var enqueued = 0
        do {
            for await line in StandardInputLines.stream() {
                try await producer.sendAndForget(
                    ProducerRecord(topic: topic, partition: partition, key: key, value: line, headers: headers))
                enqueued += 1
            }
            try await producer.flush(timeout: connection.timeout.duration)
        } catch let error as KafkaError {
            await producer.close()
            throw CLIFailure(message: "enqueued \(enqueued) records, then: \(CLIFailure.describe(error))")
        }
        await producer.close()
        let failed = failures.list.withLock { $0 }
        if let first = failed.first {
            throw CLIFailure(
                message:
                    "\(failed.count) of \(enqueued) records were not delivered; the first: \(CLIFailure.describe(first.error))"
            )
        }
        if output.json {
            try Terminal.printJSON(ReportJSON(topic: topic, produced: enqueued))
        } else {
            Terminal.print("produced \(enqueued) records to '\(topic)'")
        }
    }
}
