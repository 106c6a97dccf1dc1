import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersCLICore

/// Which swift-kafka-listeners child owns each partition of one consumer group, as the instances' control planes
/// report it (`groups describe --owners-from-listeners`).
///
/// Built from status replies, not from DescribeGroups: a partition's owner is `<instance id>/<child id>` for every
/// running child of a listener whose group is the one described and whose assignment holds the partition. During a
/// rebalance two children may both report a partition; both are kept, sorted.
struct PartitionOwners {
    /// The owners of each partition (sorted), only for partitions somebody owns.
    private(set) var owners: [TopicPartition: [String]] = [:]
    /// The instances that answered the status command.
    private(set) var answered: [String] = []
    /// The instances that answered with a reply that names no groups or children (an older version).
    private(set) var withoutOwnership: [String] = []

    /// Reads the owners of `group`'s partitions from status replies; replies that are not status reports count as
    /// not answered.
    init(group: String, replies: [ControlReply]) {
        for reply in replies.sorted(by: { $0.instanceId < $1.instanceId }) {
            guard case .status(let listeners) = reply.outcome else { continue }
            answered.append(reply.instanceId)
            if listeners.contains(where: { $0.groupId == nil || $0.children == nil }) {
                withoutOwnership.append(reply.instanceId)
            }
            for listener in listeners where listener.groupId == group {
                for child in listener.children ?? [] where child.running {
                    for text in child.assignedPartitions {
                        guard let tp = Self.topicPartition(text) else { continue }
                        owners[tp, default: []].append("\(reply.instanceId)/\(child.id)")
                    }
                }
            }
        }
        for tp in owners.keys { owners[tp]?.sort() }
    }

    /// Every partition somebody owns.
    var partitions: Set<TopicPartition> { Set(owners.keys) }

    /// The owner column of `tp`: one owner, several joined by commas, or nil when no instance claims it.
    func owner(of tp: TopicPartition) -> String? {
        owners[tp].map { $0.joined(separator: ",") }
    }

    /// Parses `topic-partition` (the partition is the part after the last `-`: topic names may hold dashes, partition
    /// numbers never do).
    static func topicPartition(_ text: String) -> TopicPartition? {
        guard let dash = text.lastIndex(of: "-"), dash != text.startIndex,
            let partition = Int32(text[text.index(after: dash)...]), partition >= 0
        else { return nil }
        return TopicPartition(String(text[..<dash]), partition)
    }

    /// Asks the instances behind `plane` for their status and reads the owners of `group`'s partitions.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) for a bad topic name or `--instances` below 1; the client's errors.
    static func ask(
        group: String, connection: ConnectionOptions, plane: ListenersCommand.PlaneOptions
    ) async throws -> PartitionOwners {
        let replies = try await ListenersCommand.request(.status(listenerId: nil), connection: connection, plane: plane)
        return PartitionOwners(group: group, replies: replies)
    }

    /// One-line warnings about what the owners cannot show: instances that did not answer, instances too old to say.
    func warnings(expected: Int, wait: DurationArgument) -> [String] {
        var lines: [String] = []
        if answered.count < expected {
            lines.append(
                "warning: \(answered.count) of \(expected) instances answered within \(wait.defaultValueDescription); "
                    + "partitions owned by the others show OWNER -")
        }
        if !withoutOwnership.isEmpty {
            lines.append(
                "warning: \(withoutOwnership.joined(separator: ", ")) reported no consumer groups (an older version); "
                    + "partitions they own show OWNER -")
        }
        return lines
    }
}
