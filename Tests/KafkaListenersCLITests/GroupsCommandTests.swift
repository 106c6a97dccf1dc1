import Foundation
import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners groups: describe and reset-offsets", .timeLimit(.minutes(10)))
struct GroupsCommandTests {
    /// The group's rows from `groups describe --output json`, by partition.
    func describe(_ group: String, _ topic: String) async throws -> [Int: [String: Any]] {
        let result = try await CLI.run(
            ["groups", "describe", group, "--topic", topic, "--output", "json"] + CLI.cluster)
        #expect(result.exitCode == 0, "\(result)")
        let rows = try #require(try result.json() as? [[String: Any]], "\(result)")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["partition"] as? Int ?? -1, $0) })
    }

    @Test("describe shows offsets, log-end offsets and lag; a dry run commits nothing; --execute commits")
    func describeAndReset() async throws {
        let topic = try await kafka.topic("cli-groups", partitions: 3)
        try await kafka.produce(30, to: topic, keys: 30)
        // A group that commits from outside any subscription (the mock refuses resets forever for groups
        // that ever had subscribed members).
        let group = kafka.unique("cli-group")
        let committer = try KafkaConsumer(configuration: kafka.consumerConfig(group: group))
        try await committer.assign([TopicPartitionOffset(topic, 0, 0)])
        try await committer.commit([TopicPartitionOffset(topic, 0, 2), TopicPartitionOffset(topic, 1, 3)])
        await committer.close()

        var rows = try await describe(group, topic)
        #expect(rows.count == 3)
        let ends = (0..<3).map { rows[$0]?["logEndOffset"] as? Int ?? -1 }
        #expect(ends.reduce(0, +) == 30, "\(rows)")
        #expect(rows[0]?["currentOffset"] as? Int == 2 && rows[0]?["lag"] as? Int == ends[0] - 2)
        #expect(rows[1]?["currentOffset"] as? Int == 3 && rows[1]?["lag"] as? Int == ends[1] - 3)
        #expect(rows[2]?["currentOffset"] == nil && rows[2]?["lag"] == nil, "no commit on partition 2: \(rows)")

        let table = try await CLI.run(["groups", "describe", group] + CLI.cluster)
        #expect(table.exitCode == 0, "\(table)")
        #expect(
            table.lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "OWNER"], "\(table)")
        #expect(table.lines.count == 3, "without --topic: only partitions with a commit: \(table)")

        let dryRun = try await CLI.run(
            ["groups", "reset-offsets", group, "--topic", "\(topic):1", "--to-earliest"] + CLI.cluster)
        #expect(dryRun.exitCode == 0, "\(dryRun)")
        #expect(dryRun.stdout.contains("Dry run: nothing was committed"), "\(dryRun)")
        #expect(
            dryRun.lines.dropFirst().first?.split(separator: " ", omittingEmptySubsequences: true).suffix(3) == [
                "1", "3", "0",
            ], "\(dryRun)")
        rows = try await describe(group, topic)
        #expect(rows[1]?["currentOffset"] as? Int == 3, "the dry run committed nothing")

        let executed = try await CLI.run(
            ["groups", "reset-offsets", group, "--topic", topic, "--to-offset", "1", "--execute", "--output", "json"]
                + CLI.cluster)
        #expect(executed.exitCode == 0, "\(executed)")
        let report = try #require(try executed.json() as? [String: Any])
        #expect(report["executed"] as? Bool == true)
        #expect((report["partitions"] as? [[String: Any]])?.map { $0["newOffset"] as? Int } == [1, 1, 1], "\(report)")
        rows = try await describe(group, topic)
        #expect((0..<3).map { rows[$0]?["currentOffset"] as? Int } == [1, 1, 1])

        let latest = try await CLI.run(
            ["groups", "reset-offsets", group, "--topic", "\(topic):2", "--to-latest", "--execute"] + CLI.cluster)
        #expect(latest.exitCode == 0 && latest.stdout.contains("Committed"), "\(latest)")
        rows = try await describe(group, topic)
        #expect(rows[2]?["lag"] as? Int == 0)

        let noPartition = try await CLI.run(
            ["groups", "reset-offsets", group, "--topic", "\(topic):7", "--to-earliest"] + CLI.cluster)
        #expect(noPartition.exitCode == 1, "\(noPartition)")
        #expect(noPartition.stderr.contains("has 3 partitions"), "\(noPartition)")
    }

    @Test("consume --group commits what it printed; a reset is refused while that consumer runs; SIGTERM stops it")
    func resetRefusedWhileMembersAreActive() async throws {
        let topic = try await kafka.topic("cli-active", partitions: 2)
        let group = kafka.unique("cli-active")
        let consumer = try await CLI.start(["consume", topic, "--group", group, "--from-beginning"] + CLI.cluster)
        // Records printed prove the member joined (the first join takes about 3 s on the mock).
        try await waitUntil(
            "the consumer prints records", timeout: .seconds(60), observed: { "\(consumer.text) \(consumer.errorText)" }
        ) {
            if consumer.text.isEmpty { try await kafka.produce(1, to: topic) }
            return !consumer.text.isEmpty
        }
        let refused = try await CLI.run(
            ["groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute"] + CLI.cluster)
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderr.hasPrefix("kafka-listeners: refused: group '\(group)' has active members"), "\(refused)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")

        // What the consumer printed is committed: lag 0 on every partition it read.
        try await waitUntil("the printed records are committed", timeout: .seconds(30), observed: { consumer.text }) {
            let rows = try await describe(group, topic)
            return rows.values.contains { $0["currentOffset"] != nil }
                && rows.values.allSatisfy { $0["lag"] == nil || $0["lag"] as? Int == 0 }
        }
        consumer.send(SIGTERM)
        try await waitUntil(
            "the consumer exits", timeout: .seconds(30), observed: { "\(String(describing: consumer.exitCode))" }
        ) {
            consumer.isFinished
        }
        #expect(consumer.exitCode == 0, "\(consumer.errorText)")
    }
}
