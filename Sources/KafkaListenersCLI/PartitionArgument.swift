import ArgumentParser
import KafkaClient
import KafkaListenersCLICore

/// A partition on the command line, as `TOPIC:N` (see ``PartitionText``).
struct PartitionArgument: Sendable {
    let partition: TopicPartition
    /// The topic.
    var topic: String { partition.topic }
    /// The partition number, 0 or more.
    var number: Int32 { partition.partition }

    /// Parses `TOPIC:N` for an option's `transform:`; a bad one is a usage error naming the input.
    static func parse(_ text: String) throws -> PartitionArgument {
        do {
            return PartitionArgument(partition: try PartitionText.parse(text))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
