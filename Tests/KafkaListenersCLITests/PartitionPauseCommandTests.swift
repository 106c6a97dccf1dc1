import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("kafka-listeners listeners pause/resume --partition against the standalone broker", .timeLimit(.minutes(4)))
struct PartitionPauseCommandTests {
    @Test(
        "pausing T:0 holds partition 0 while 1 and 2 deliver; status lists it with its reason and resume; resuming delivers the rest"
    )
    func partitionPauseThroughTheCLI() async throws {
        let port = try freePort()
        let broker = try await CLI.start([
            "embedded", "--port", String(port), "--topic", "pp-orders:3", "--topic", "pp-control", "--topic",
            "pp-replies",
        ])
        defer { broker.send(SIGTERM) }
        try await waitUntil(
            "the broker runs", timeout: .seconds(30), observed: { "\(broker.text) \(broker.errorText)" }
        ) {
            broker.text.contains("Ctrl-C stops")
        }
        let servers = "localhost:\(port)"
        let configuration = KafkaConfiguration(bootstrapServers: servers)
        let seen = Mutex<[Int32: [Int64]]>([:])
        let counts = { seen.withLock { $0.mapValues(\.count) } }
        let registry = ListenerRegistry(
            baseConfiguration: configuration.with("session.timeout.ms", "6000").with("heartbeat.interval.ms", "500"))
        try registry.register(
            ListenerEndpoint(
                id: "orders", selection: .topics(["pp-orders"]),
                listener: .record { record, _ in
                    seen.withLock { $0[record.partition, default: []].append(record.offset) }
                },
                pollTimeout: .milliseconds(20)))
        try await registry.startAll()
        let keyFile = try ControlKeyFile.make()
        defer { keyFile.remove() }
        let plane = try ControlPlane(
            registry: registry, pauses: PauseService(registry: registry), configuration: configuration,
            security: keyFile.security,
            controlTopic: "pp-control", replyTopic: "pp-replies", instanceId: "pod-1")
        try await plane.start()
        try await waitUntil("assigned", timeout: .seconds(60), observed: { "\(registry.status)" }) {
            registry.status[0].children[0].assignedPartitions.count == 3
        }
        let plane_ = [
            "--control-topic", "pp-control", "--reply-topic", "pp-replies", "--wait", "20s", "--control-key-file",
            keyFile.path, "--bootstrap-servers", servers,
        ]

        let pause = try await CLI.run(
            ["listeners", "pause", "orders", "--partition", "pp-orders:0", "--for", "60s"] + plane_)
        #expect(pause.exitCode == 0 && pause.stdout == "pod-1: applied\n", "\(pause)")
        let child = try #require(registry.container(id: "orders")?.children.first)
        try await waitUntil("partition 0 paused", observed: { "\(child.status.partitionPauses)" }) {
            child.status.pausedPartitions[TopicPartition("pp-orders", 0)] == [.partition]
        }
        let status = try await CLI.run(["listeners", "status", "orders"] + plane_)
        #expect(status.exitCode == 0, "\(status)")
        #expect(status.lines.contains { $0.contains("pp-orders-0 (partition; resumes in ") }, "\(status)")

        let producer = try KafkaProducer(configuration: configuration.with("linger.ms", "5"))
        for partition: Int32 in 0..<3 {
            for i in 0..<10 {
                try await producer.sendAndForget(
                    ProducerRecord(topic: "pp-orders", partition: partition, key: "k", value: "v\(i)"))
            }
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close()
        try await waitUntil("partitions 1 and 2 deliver 10 each", observed: { "\(counts())" }) {
            counts()[1] == 10 && counts()[2] == 10
        }
        let polls = child.pollsCompleted
        try await waitUntil("10 more polls", observed: { "\(child.pollsCompleted)" }) {
            child.pollsCompleted >= polls + 10
        }
        #expect(counts()[0] == nil, "partition 0 is paused: \(counts())")

        // Resuming the whole listener does not lift the partition's own pause.
        let resumeListener = try await CLI.run(["listeners", "resume", "orders"] + plane_)
        #expect(resumeListener.exitCode == 0, "\(resumeListener)")
        let polls2 = child.pollsCompleted
        try await waitUntil("10 more polls", observed: { "\(child.pollsCompleted)" }) {
            child.pollsCompleted >= polls2 + 10
        }
        #expect(counts()[0] == nil, "the partition pause holds: \(counts())")

        let resume = try await CLI.run(["listeners", "resume", "orders", "--partition", "pp-orders:0"] + plane_)
        #expect(resume.exitCode == 0 && resume.stdout == "pod-1: applied\n", "\(resume)")
        try await waitUntil("partition 0 delivers its 10", observed: { "\(counts())" }) { counts()[0] == 10 }
        #expect(seen.withLock { $0[0] } == Array(0..<10))

        let bad = try await CLI.run(["listeners", "pause", "orders", "--partition", "pp-orders"] + plane_)
        #expect(bad.exitCode != 0, "\(bad)")
        await plane.stop()
        await registry.stopAll()
    }
}
