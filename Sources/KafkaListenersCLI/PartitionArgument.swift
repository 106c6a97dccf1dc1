import ArgumentParser
import KafkaClient

/// A partition on the command line, as `TOPIC:N` (the last colon separates; topic names have none).
struct PartitionArgument: ExpressibleByArgument, Sendable {
    /// The topic.
    let topic: String
    /// The partition number, 0 or more.
    let partition: Int32

    init?(argument: String) {
        guard let parsed = try? Self.parse(argument) else { return nil }
        self = parsed
    }

    private init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Parses `TOPIC:N`.
    ///
    /// - Throws: ``CLIFailure`` naming the input for a missing colon, a bad topic name, or a partition number
    ///   that is not a whole number from 0 to 2,147,483,647.
    static func parse(_ text: String) throws -> PartitionArgument {
        let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
        guard let colon = text.lastIndex(of: ":") else {
            throw CLIFailure(message: "'\(shown)' is not a partition; use TOPIC:N, such as orders:0", exitCode: 2)
        }
        let topic = String(text[..<colon])
        let number = text[text.index(after: colon)...]
        guard let partition = Int32(number), partition >= 0 else {
            throw CLIFailure(message: "'\(shown)': the partition must be a whole number from 0 to \(Int32.max)", exitCode: 2)
        }
        do {
            try TopicName.validate(topic)
        } catch {
            throw CLIFailure(message: "'\(shown)': \(error)", exitCode: 2)
        }
        return PartitionArgument(topic: topic, partition: partition)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
