import Foundation
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners embedded, and produce/consume/topics against it", .timeLimit(.minutes(10)))
struct EmbeddedCommandTests {
    @Test(
        "a standalone broker process: topics, produce, consume through the fixed port; unsupported requests say so; SIGTERM stops it"
    )
    func standaloneBroker() async throws {
        let port = try freePort()
        let broker = try await CLI.start([
            "embedded", "--brokers", "3", "--port", String(port), "--topic", "cli-orders:3", "--topic", "cli-audit",
        ])
        try await waitUntil(
            "the broker prints that it runs", timeout: .seconds(30), observed: { "\(broker.text) \(broker.errorText)" }
        ) {
            broker.text.contains("Ctrl-C stops")
        }
        let first = try #require(broker.text.split(separator: "\n").first)
        #expect(first.hasPrefix("bootstrap.servers=127.0.0.1:"))
        #expect(first.split(separator: ",").count == 3, "three brokers: \(first)")
        // Every later command bootstraps through the fixed port.
        let servers = ["--bootstrap-servers", "localhost:\(port)"]

        let list = try await CLI.run(["topics", "list"] + servers)
        #expect(list.exitCode == 0, "\(list)")
        #expect(list.lines.first?.hasPrefix("TOPIC") == true)
        #expect(list.lines.contains { $0.hasPrefix("cli-orders") && $0.hasSuffix("3") }, "\(list)")
        #expect(list.lines.contains { $0.hasPrefix("cli-audit") && $0.hasSuffix("1") }, "\(list)")

        let listJSON = try await CLI.run(["topics", "list", "--output", "json"] + servers)
        #expect(listJSON.exitCode == 0, "\(listJSON)")
        let listed = try #require(try listJSON.json() as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["name"] as? String }) == ["cli-orders", "cli-audit"])

        let describe = try await CLI.run(["topics", "describe", "cli-orders", "--output", "json"] + servers)
        #expect(describe.exitCode == 0, "\(describe)")
        let topic = try #require(try describe.json() as? [String: Any])
        #expect(topic["name"] as? String == "cli-orders")
        let partitions = try #require(topic["partitions"] as? [[String: Any]])
        #expect(partitions.map { $0["partition"] as? Int } == [0, 1, 2])
        #expect(partitions.allSatisfy { ($0["replicas"] as? [Int])?.count == 3 })

        // The environment variable works as well as the option.
        let produce = try await CLI.run(
            ["produce", "cli-orders", "--key", "k1", "--header", "trace=abc", "--output", "json"],
            input: "first\nsecond\nthird\n",
            environment: ["KAFKA_BOOTSTRAP_SERVERS": "localhost:\(port)"])
        #expect(produce.exitCode == 0, "\(produce)")
        let report = try #require(try produce.json() as? [String: Any])
        #expect(report["produced"] as? Int == 3)

        let consume = try await CLI.run(
            ["consume", "cli-orders", "--from-beginning", "--max", "3", "--output", "json"] + servers)
        #expect(consume.exitCode == 0, "\(consume)")
        let records = try consume.lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(records.map { $0["value"] as? String } == ["first", "second", "third"])
        #expect(
            records.allSatisfy {
                $0["key"] as? String == "k1" && ($0["headers"] as? [String: String])?["trace"] == "abc"
            })
        #expect(records.map { $0["offset"] as? Int } == [0, 1, 2], "one key, one partition, input order")

        let text = try await CLI.run(["consume", "cli-orders", "--from-beginning", "--max", "1"] + servers)
        #expect(text.exitCode == 0, "\(text)")
        #expect(
            text.lines.first?.hasPrefix("partition=") == true
                && text.lines.first?.hasSuffix("offset=0 key=k1 value=first") == true, "\(text)")

        // The mock has no CreateTopics, DeleteTopics or ListGroups. It names no controller, so create and
        // delete are refused without sending CreateTopics or DeleteTopics (the message says so); ListGroups fails within its timeout.
        for arguments in [["topics", "create", "cli-new", "--partitions", "1"], ["topics", "delete", "cli-audit"]] {
            let refused = try await CLI.run(arguments + servers + ["--timeout", "60s"], timeout: .seconds(90))
            #expect(refused.exitCode == 1, "\(refused)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")
            #expect(
                refused.stderr.contains("topics is not possible: the cluster names no controller broker"), "\(refused)")
            #expect(refused.stderr.contains("embedded --topic"), "\(refused)")
        }
        let groups = try await CLI.run(["groups", "list", "--timeout", "2s"] + servers, timeout: .seconds(30))
        #expect(groups.exitCode == 1, "\(groups)")
        #expect(groups.stderr.contains("has no ListGroups"), "\(groups)")

        broker.send(SIGTERM)
        try await waitUntil(
            "the broker exits", timeout: .seconds(30),
            observed: { "\(String(describing: broker.exitCode)) \(broker.text)" }
        ) {
            broker.isFinished
        }
        #expect(broker.exitCode == 0)
        #expect(broker.text.contains("stopped on SIGTERM"))
    }

    @Test("embedded refuses bad arguments in one line")
    func badArguments() async throws {
        let badTopic = try await CLI.run(["embedded", "--topic", "bad name:3"])
        #expect(badTopic.exitCode == 2, "\(badTopic)")
        #expect(badTopic.stderr.hasPrefix("kafka-listeners: invalid topic name 'bad name'"), "\(badTopic)")
        let badCount = try await CLI.run(["embedded", "--topic", "fine:zero"])
        #expect(badCount.exitCode == 2, "\(badCount)")
        #expect(badCount.stderr.contains("NAME:PARTITIONS"), "\(badCount)")
    }
}
