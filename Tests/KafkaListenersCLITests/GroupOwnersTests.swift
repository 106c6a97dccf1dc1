import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners groups describe --owners-from-listeners", .timeLimit(.minutes(5)))
struct GroupOwnersTests {
    /// Each partition's owner as the registry reports it: `<instance>/<child id>` of the running children of `listener`.
    static func registryOwners(_ registry: ListenerRegistry, listener: String, instance: String) -> [String: String] {
        var owners: [String: String] = [:]
        for child in registry.status.first(where: { $0.id == listener })?.children ?? [] where child.isRunning {
            for tp in child.assignedPartitions { owners[tp.description] = "\(instance)/\(child.id)" }
        }
        return owners
    }

    /// The rows of `groups describe --output json`, by `topic-partition`.
    static func jsonRows(_ result: CLIResult) throws -> [String: [String: Any]] {
        let rows = try #require(try result.json() as? [[String: Any]], "\(result)")
        return Dictionary(
            uniqueKeysWithValues: rows.map { ("\($0["topic"] as? String ?? "?")-\($0["partition"] as? Int ?? -1)", $0) }
        )
    }

    /// The OWNER column of a `groups describe` table, by `topic-partition`.
    static func tableOwners(_ result: CLIResult) -> [String: String] {
        var owners: [String: String] = [:]
        for line in result.lines.dropFirst() {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard cells.count == 7 else { continue }
            owners["\(cells[1])-\(cells[2])"] = cells[6]
        }
        return owners
    }

    @Test(
        "OWNER is <instance>/<child> of the group's listener, as the registry reports it; a stopped listener or a group no listener runs shows -"
    )
    func ownersFromListeners() async throws {
        let topic = try await kafka.topic("cli-owned", partitions: 4)
        let control = try await kafka.topic("cli-owners-control", partitions: 1)
        let replies = try await kafka.topic("cli-owners-replies", partitions: 1)
        let group = kafka.unique("cli-owned")
        let registry = ListenerRegistry(
            baseConfiguration: kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        try registry.register(
            ListenerEndpoint(
                id: "owned", selection: .topics([topic]), listener: .record { _, _ in }, groupId: group, concurrency: 2)
        )
        // The same topic in another group: its child must not be named as an owner in `group`.
        try registry.register(
            ListenerEndpoint(
                id: "bystander", selection: .topics([topic]), listener: .record { _, _ in },
                groupId: kafka.unique("cli-bystander")))
        try await registry.startAll()
        let keyFile = try ControlKeyFile.make()
        defer { keyFile.remove() }
        let plane = try ControlPlane(
            registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
            security: keyFile.security,
            controlTopic: control, replyTopic: replies, instanceId: "pod-owners")
        try await plane.start()
        let partitions = Set((0..<4).map { "\(topic)-\($0)" })
        // Both children of `owned` hold partitions (the group settled after its second member joined), and together all four.
        try await waitUntil(
            "group \(group) settled over both children", timeout: .seconds(60), observed: { "\(registry.status)" }
        ) {
            let children = registry.status.first { $0.id == "owned" }?.children ?? []
            let assigned = children.map { Set($0.assignedPartitions.map(\.description)) }
            return assigned.count == 2 && assigned.allSatisfy { !$0.isEmpty }
                && assigned[0].isDisjoint(with: assigned[1])
                && assigned[0].union(assigned[1]) == partitions
        }
        // Records on partitions 0-2 only: partition 3 is owned but never committed on.
        for partition in Int32(0)..<3 { try await kafka.produce(5, to: topic, partition: partition) }
        let admin = try KafkaAdmin(configuration: kafka.configuration())
        var lag: [GroupPartitionLag] = []
        try await waitUntil("group \(group) committed every record", timeout: .seconds(60), observed: { "\(lag)" }) {
            lag = try await admin.groupLag(group: group, topics: [topic])
            return lag.filter { $0.partition < 3 }.allSatisfy { $0.currentOffset == 5 && $0.lag == 0 }
        }
        await admin.close()

        let planeArguments =
            [
                "--owners-from-listeners", "--control-topic", control, "--reply-topic", replies, "--wait", "20s",
                "--control-key-file", keyFile.path,
            ]
            + CLI.cluster
        let expected = Self.registryOwners(registry, listener: "owned", instance: "pod-owners")
        #expect(Set(expected.keys) == partitions, "\(registry.status)")
        #expect(Set(expected.values) == ["pod-owners/owned-0", "pod-owners/owned-1"], "\(registry.status)")

        // JSON, without --topic: the committed partitions and partition 3, which only the owner's report brings in.
        let json = try await CLI.run(["groups", "describe", group, "--output", "json"] + planeArguments)
        #expect(json.exitCode == 0 && json.stderr.isEmpty, "\(json)")
        let rows = try Self.jsonRows(json)
        #expect(Set(rows.keys) == partitions, "\(json)")
        for (partition, row) in rows {
            #expect(
                row["owner"] as? String == expected[partition], "\(partition): \(row), registry: \(registry.status)")
        }
        #expect(
            rows["\(topic)-3"]?["currentOffset"] == nil && rows["\(topic)-3"]?["logEndOffset"] as? Int == 0, "\(json)")
        #expect(rows["\(topic)-0"]?["currentOffset"] as? Int == 5 && rows["\(topic)-0"]?["lag"] as? Int == 0, "\(json)")

        let table = try await CLI.run(["groups", "describe", group] + planeArguments)
        #expect(table.exitCode == 0 && table.stderr.isEmpty, "\(table)")
        #expect(table.lines.first?.hasSuffix("OWNER") == true, "\(table)")
        #expect(Self.tableOwners(table) == expected, "\(table)\nregistry: \(registry.status)")
        // Nothing moved while the CLI asked (what it printed is the registry's assignment, not an older one).
        #expect(
            Self.registryOwners(registry, listener: "owned", instance: "pod-owners") == expected, "\(registry.status)")

        // Fewer instances than expected: the table with the owners known, one warning line, exit 0 (the key from
        // the environment this time).
        let partial = try await CLI.run(
            [
                "groups", "describe", group, "--owners-from-listeners", "--control-topic", control, "--reply-topic",
                replies,
                "--instances", "2", "--wait", "3s",
            ] + CLI.cluster,
            environment: ["KAFKALISTENERS_CONTROL_KEY": keyFile.key.exportedLine()])
        #expect(partial.exitCode == 0, "\(partial)")
        #expect(Self.tableOwners(partial) == expected, "\(partial)")
        #expect(
            partial.stderr
                == "kafka-listeners: warning: 1 of 2 instances answered within 3s; partitions owned by the others show OWNER -\n",
            "\(partial)")

        // A group no listener runs (it only committed from outside any subscription): every OWNER is "-".
        let idle = kafka.unique("cli-unowned")
        let committer = try KafkaConsumer(configuration: kafka.consumerConfig(group: idle))
        try await committer.assign([TopicPartitionOffset(topic, 0, 0)])
        try await committer.commit([TopicPartitionOffset(topic, 0, 2), TopicPartitionOffset(topic, 1, 1)])
        await committer.close()
        let unowned = try await CLI.run(["groups", "describe", idle, "--output", "json"] + planeArguments)
        #expect(unowned.exitCode == 0 && unowned.stderr.isEmpty, "\(unowned)")
        let unownedRows = try Self.jsonRows(unowned)
        #expect(Set(unownedRows.keys) == ["\(topic)-0", "\(topic)-1"], "\(unowned)")
        #expect(unownedRows.values.allSatisfy { $0["owner"] == nil }, "\(unowned)")
        let unownedTable = try await CLI.run(["groups", "describe", idle, "--topic", topic] + planeArguments)
        #expect(unownedTable.exitCode == 0, "\(unownedTable)")
        #expect(
            Self.tableOwners(unownedTable) == Dictionary(uniqueKeysWithValues: partitions.map { ($0, "-") }),
            "\(unownedTable)")

        // The group's listener stopped: its children own nothing, so OWNER is "-" while the offsets stay.
        try await registry.stop("owned")
        let stopped = try await CLI.run(
            ["groups", "describe", group, "--topic", topic, "--output", "json"] + planeArguments)
        #expect(stopped.exitCode == 0, "\(stopped)")
        let stoppedRows = try Self.jsonRows(stopped)
        #expect(Set(stoppedRows.keys) == partitions, "\(stopped)")
        #expect(stoppedRows.values.allSatisfy { $0["owner"] == nil }, "\(stopped)")
        #expect(stoppedRows["\(topic)-0"]?["currentOffset"] as? Int == 5, "\(stopped)")

        await plane.stop()
        await registry.stopAll()
    }
}
