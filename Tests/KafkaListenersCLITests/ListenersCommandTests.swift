import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners listeners: status, pause and resume through the control plane")
struct ListenersCommandTests {
    @Test("each instance's reply is printed; pause and resume reach the registry; unknown ids fail")
    func controlPlane() async throws {
        let topic = try await kafka.topic("cli-listeners", partitions: 2)
        let control = try await kafka.topic("cli-control", partitions: 1)
        let replies = try await kafka.topic("cli-replies", partitions: 1)
        let registry = ListenerRegistry(baseConfiguration: kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        try registry.register(ListenerEndpoint(id: "orders", selection: .topics([topic]), listener: .record { _, _ in }, groupId: kafka.unique("cli-l")))
        try await registry.startAll()
        let pauses = PauseService(registry: registry)
        let plane = try ControlPlane(
            registry: registry, pauses: pauses, configuration: kafka.configuration(), controlTopic: control, replyTopic: replies,
            instanceId: "pod-1")
        try await plane.start()
        try await waitUntil("assigned", timeout: .seconds(60), observed: { "\(registry.status)" }) {
            !registry.status[0].children[0].assignedPartitions.isEmpty
        }
        let planeArguments = ["--control-topic", control, "--reply-topic", replies, "--wait", "20s"] + CLI.cluster

        let status = try await CLI.run(["listeners", "status"] + planeArguments)
        #expect(status.exitCode == 0, "\(status)")
        #expect(status.lines.first == "pod-1:", "\(status)")
        #expect(status.lines.contains { $0.contains("orders") && $0.contains("yes") && $0.contains("\(topic)-0,\(topic)-1") }, "\(status)")

        let pause = try await CLI.run(["listeners", "pause", "orders", "--for", "30s"] + planeArguments)
        #expect(pause.exitCode == 0, "\(pause)")
        #expect(pause.stdout == "pod-1: applied\n")
        #expect(registry.status[0].isPauseRequested)

        let json = try await CLI.run(["listeners", "status", "orders", "--output", "json"] + planeArguments)
        #expect(json.exitCode == 0, "\(json)")
        let replyList = try #require(try json.json() as? [[String: Any]])
        #expect(replyList.first?["instance"] as? String == "pod-1")
        let listener = (replyList.first?["listeners"] as? [[String: Any]])?.first
        #expect(listener?["id"] as? String == "orders" && listener?["pauseRequested"] as? Bool == true, "\(replyList)")

        let resume = try await CLI.run(["listeners", "resume", "orders"] + planeArguments)
        #expect(resume.exitCode == 0 && resume.stdout == "pod-1: applied\n", "\(resume)")
        #expect(!registry.status[0].isPauseRequested)

        let unknown = try await CLI.run(["listeners", "pause", "nope"] + planeArguments)
        #expect(unknown.exitCode == 1, "\(unknown)")
        #expect(unknown.stdout == "pod-1: no such listener\n")
        #expect(unknown.stderr.contains("not every instance applied the command"), "\(unknown)")

        let missing = try await CLI.run(["listeners", "status", "--instances", "2", "--control-topic", control, "--reply-topic", replies, "--wait", "3s"] + CLI.cluster)
        #expect(missing.exitCode == 1, "\(missing)")
        #expect(missing.stderr.contains("1 of 2 instances answered"), "\(missing)")

        await plane.stop()
        await registry.stopAll()
    }
}
