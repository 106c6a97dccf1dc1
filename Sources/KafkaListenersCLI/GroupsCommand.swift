import ArgumentParser
import Foundation
import KafkaClient
import KafkaListenersCLICore

/// `kafka-listeners groups list | describe | reset-offsets`.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "List consumer groups, show their offsets and lag, reset their offsets.",
        subcommands: [List.self, Describe.self, ResetOffsets.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the consumer groups (ListGroups; not on the mock cluster).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        /// A group as JSON shows it.
        struct GroupJSON: Encodable {
            var group: String
            var state: String
            var simple: Bool
        }

        func run() async throws {
            let groups: [ConsumerGroupListing]
            do {
                groups = try await TopicsCommand.withAdmin(connection) {
                    try await $0.listConsumerGroups(timeout: connection.timeout.duration)
                }
            } catch let error as KafkaError where error.kind == .timedOut || error.kind == .unsupported {
                throw CLIFailure(
                    message:
                        "\(CLIFailure.describe(error)). librdkafka's mock cluster (EmbeddedKafka, `kafka-listeners embedded`) "
                        + "has no ListGroups; `groups describe GROUP` works there")
            }
            if output.json {
                try Terminal.printJSON(
                    groups.map {
                        GroupJSON(group: $0.groupId, state: $0.state.rawValue, simple: $0.isSimpleConsumerGroup)
                    })
            } else {
                Terminal.printTable(["GROUP", "STATE"], groups.map { [$0.groupId, $0.state.rawValue] })
            }
        }
    }

    /// A partition's offsets as JSON shows them.
    struct PartitionLagJSON: Encodable {
        var topic: String
        var partition: Int32
        var currentOffset: Int64?
        var logEndOffset: Int64
        var lag: Int64?
        var owner: String?
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's committed offset, log-end offset, lag and owner per partition.",
            discussion: """
                Without --topic, every topic on which the group has committed offsets is shown. OWNER is "-" unless \
                --owners-from-listeners is given: then the command asks the swift-kafka-listeners instances through their \
                control plane (--control-topic, --reply-topic) for their status, waiting for --instances replies or until \
                --wait passes, and OWNER names, per partition, each running child container of a listener in GROUP that \
                owns it, as <instance id>/<child id> (several, comma-separated, while a rebalance moves the partition). \
                Partitions those children own are shown even before the group committed on them. Partitions no \
                instance claims, and every partition of a group not run by swift-kafka-listeners, show "-" (JSON: no \
                owner): DescribeGroups is not used, since the mock cluster lacks it and an unanswered one hangs \
                librdkafka 2.0.2's client shutdown (Docs/Operations.md). When fewer instances answer than --instances, \
                the table is still printed with the owners known, a warning goes to stderr, and the exit code stays 0.
                """)
        @Argument(help: "The group id.") var group: String
        @Option(help: "Only this topic (repeatable).") var topic: [String] = []
        @Flag(help: "Fill OWNER from the swift-kafka-listeners instances' status, through the control plane.")
        var ownersFromListeners = false
        @OptionGroup(title: "Control plane (with --owners-from-listeners)") var plane: ListenersCommand.PlaneOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard !group.isEmpty else { throw CLIFailure(message: "a group id must not be empty", exitCode: 2) }
            let topics = try topic.map(validatedTopic)
            let group = self.group
            let owners =
                ownersFromListeners
                ? try await PartitionOwners.ask(group: group, connection: connection, plane: plane) : nil
            let owned = owners?.partitions ?? []
            let rows = try await TopicsCommand.withAdmin(connection) { admin -> [GroupPartitionLag] in
                let timeout = connection.timeout.duration
                if !topics.isEmpty { return try await admin.groupLag(group: group, topics: topics, timeout: timeout) }
                let all = try await admin.listTopics(timeout: timeout).map(\.name)
                var rows = try await admin.groupLag(group: group, topics: all, committedOnly: true, timeout: timeout)
                // Partitions a listener of the group owns but never committed on are shown too, as
                // kafka-consumer-groups shows every assigned partition.
                let missing = owned.subtracting(rows.map(\.topicPartition))
                let missingTopics = all.filter { name in missing.contains { $0.topic == name } }
                if !missingTopics.isEmpty {
                    rows += try await admin.groupLag(group: group, topics: missingTopics, timeout: timeout)
                        .filter { missing.contains($0.topicPartition) }
                    let order = Dictionary(
                        all.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
                    rows.sort { (order[$0.topic] ?? .max, $0.partition) < (order[$1.topic] ?? .max, $1.partition) }
                }
                return rows
            }
            defer {
                for warning in owners?.warnings(expected: plane.instances, wait: plane.wait) ?? [] {
                    Terminal.printError("kafka-listeners: \(warning)")
                }
            }
            if output.json {
                try Terminal.printJSON(
                    rows.map {
                        PartitionLagJSON(
                            topic: $0.topic, partition: $0.partition, currentOffset: $0.currentOffset,
                            logEndOffset: $0.logEndOffset,
                            lag: $0.lag, owner: owners?.owner(of: $0.topicPartition))
                    })
                return
            }
            if rows.isEmpty {
                Terminal.print(
                    "Consumer group '\(group)' has no committed offsets\(topics.isEmpty ? "" : " on \(topics.joined(separator: ", "))")."
                )
                return
            }
            Terminal.printTable(
                ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "OWNER"],
                rows.map { row -> [String] in
                    let owner: String = owners?.owner(of: row.topicPartition) ?? "-"
                    return [
                        group, row.topic, String(row.partition), row.currentOffset.map(String.init) ?? "-",
                        String(row.logEndOffset),
                        row.lag.map(String.init) ?? "-", owner,
                    ]
                })
        }
    }

    struct ResetOffsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-offsets",
            abstract: "Move a group's committed offsets (a dry run unless --execute).",
            discussion: """
                Exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime. Like kafka-consumer-groups, the \
                commit is refused while the group has active members: stop its consumers first.
                """)
        @Argument(help: "The group id.") var group: String
        @Option(help: "TOPIC or TOPIC:PARTITION.") var topic: String
        @Flag(help: "The oldest offset on the broker.") var toEarliest = false
        @Flag(help: "The log-end offset (skip everything so far).") var toLatest = false
        @Option(help: "A given offset (clamped to the partition's range).") var toOffset: Int64?
        @Option(help: "The first record at or after this ISO 8601 time, such as 2026-11-23T10:00:00Z.") var toDatetime:
            String?
        @Flag(help: "Commit the new offsets (without it: only show them).") var execute = false
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        /// One partition's move as JSON shows it.
        struct MoveJSON: Encodable {
            var topic: String
            var partition: Int32
            var currentOffset: Int64?
            var newOffset: Int64
        }

        /// The report as JSON shows it.
        struct ReportJSON: Encodable {
            var group: String
            var executed: Bool
            var partitions: [MoveJSON]
        }

        func validate() throws {
            let chosen = [toEarliest, toLatest, toOffset != nil, toDatetime != nil].filter { $0 }.count
            guard chosen == 1 else {
                throw ValidationError(
                    "give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime ISO8601")
            }
        }

        /// The target the options name.
        func target() throws -> OffsetResetTarget {
            if toEarliest { return .earliest }
            if toLatest { return .latest }
            if let toOffset {
                guard toOffset >= 0 else {
                    throw CLIFailure(message: "--to-offset must not be negative, got \(toOffset)", exitCode: 2)
                }
                return .offset(toOffset)
            }
            let text = toDatetime ?? ""
            let formatter = ISO8601DateFormatter()
            var date = formatter.date(from: text)
            if date == nil {
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                date = formatter.date(from: text)
            }
            guard let date else {
                throw CLIFailure(
                    message: "--to-datetime takes an ISO 8601 time such as 2026-11-23T10:00:00Z, got '\(text)'",
                    exitCode: 2)
            }
            return .timestamp(milliseconds: try Self.milliseconds(since1970: date.timeIntervalSince1970, text: text))
        }

        /// Milliseconds since 1970 for a time `seconds` after it, refusing a time outside what Kafka can store.
        static func milliseconds(since1970 seconds: Double, text: String) throws -> Int64 {
            guard let milliseconds = Saturating.int64(seconds * 1000), milliseconds >= 0,
                milliseconds != .max
            else {
                throw CLIFailure(
                    message:
                        "--to-datetime must be a time after 1970 that Kafka can store, got '\(InputExcerpt.of(text))'",
                    exitCode: 2)
            }
            return milliseconds
        }

        /// The topic and optional partition of `--topic`.
        func topicAndPartition() throws -> (String, Int32?) {
            let parts = topic.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try validatedTopic(String(parts[0]))
            guard parts.count == 2 else { return (name, nil) }
            guard let partition = Int32(parts[1]), partition >= 0 else {
                throw CLIFailure(message: "--topic takes TOPIC or TOPIC:PARTITION, got '\(topic)'", exitCode: 2)
            }
            return (name, partition)
        }

        func run() async throws {
            guard !group.isEmpty else { throw CLIFailure(message: "a group id must not be empty", exitCode: 2) }
            let (name, partition) = try topicAndPartition()
            let target = try target()
            let timeout = connection.timeout.duration
            let execute = self.execute
            let group = self.group
            let (current, moves) = try await TopicsCommand.withAdmin(connection) { admin in
                let current = try await admin.groupLag(group: group, topics: [name], timeout: timeout)
                let moves: [TopicPartitionOffset]
                if execute {
                    do {
                        moves = try await admin.resetOffsets(
                            group: group, topic: name, partition: partition, to: target, timeout: timeout)
                    } catch let error as KafkaError where error.message.contains("has active members") {
                        throw CLIFailure(message: "refused: \(error.message)")
                    }
                } else {
                    moves = try await admin.plannedOffsetReset(
                        group: group, topic: name, partition: partition, to: target, timeout: timeout)
                }
                return (current, moves)
            }
            let before = Dictionary(current.map { ($0.topicPartition, $0.currentOffset) }, uniquingKeysWith: { $1 })
            if output.json {
                try Terminal.printJSON(
                    ReportJSON(
                        group: group, executed: execute,
                        partitions: moves.map {
                            MoveJSON(
                                topic: $0.topicPartition.topic, partition: $0.topicPartition.partition,
                                currentOffset: before[$0.topicPartition] ?? nil, newOffset: $0.offset.rawValue)
                        }))
                return
            }
            Terminal.printTable(
                ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"],
                moves.map {
                    [
                        group, $0.topicPartition.topic, String($0.topicPartition.partition),
                        (before[$0.topicPartition] ?? nil).map(String.init) ?? "-", String($0.offset.rawValue),
                    ]
                })
            if execute {
                Terminal.print("Committed the new offsets of group '\(group)'.")
            } else {
                Terminal.print(
                    "Dry run: nothing was committed. Add --execute to commit (refused while the group has active members)."
                )
            }
        }
    }
}
