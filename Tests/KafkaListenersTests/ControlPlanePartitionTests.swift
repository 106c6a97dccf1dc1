import Foundation
import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Partition pause and resume through the control plane, two instances", .timeLimit(.minutes(4)))
struct ControlPlanePartitionTests {
    @Test(
        "a partition pause reaches both instances; the owner holds the partition, every other partition flows; the resume delivers the rest once"
    )
    func partitionPauseAcrossTheFleet() async throws {
        let topic = try await kafka.topic("fleet-part", partitions: 4)
        let control = try await kafka.topic("control", partitions: 1)
        let replies = try await kafka.topic("replies", partitions: 1)
        let group = kafka.unique("fleet-part")
        let setup = ControlPlaneTests()
        async let first = setup.instance("pod-a", topic: topic, group: group, control: control, replies: replies)
        async let second = setup.instance("pod-b", topic: topic, group: group, control: control, replies: replies)
        let instances = try await [first, second]
        try await waitUntil("both hold partitions", observed: { "\(instances.map { $0.registry.status })" }) {
            instances.allSatisfy { !$0.registry.status[0].children[0].assignedPartitions.isEmpty }
        }
        let client = try ControlPlaneTests.client(control: control, replies: replies)
        let tp0 = TopicPartition(topic, 0)
        let delivered = { (partition: Int32) in
            instances.flatMap {
                $0.recorder.handled.withLock { $0.filter { $0.tp.partition == partition }.map(\.offset) }
            }
        }
        let counts = { (0..<4).map { delivered(Int32($0)).count } }

        let paused = try await client.send(
            ControlCommand(.pausePartition(listenerId: "orders", topic: topic, partition: 0, seconds: nil)),
            expectedReplies: 2)
        #expect(paused.count == 2 && paused.allSatisfy { $0.outcome == .applied }, "\(paused)")
        let owner = try #require(instances.first { $0.registry.status[0].children[0].assignedPartitions.contains(tp0) })
        let child = try #require(owner.registry.childContainer(id: "orders-0"))
        try await waitUntil("the owner pauses partition 0", observed: { "\(child.status.partitionPauses)" }) {
            child.status.pausedPartitions[tp0] == [.partition]
        }
        let statuses = try await client.send(ControlCommand(.status(listenerId: "orders")), expectedReplies: 2)
        let reported = statuses.compactMap { reply -> [ControlReply.PausedPartitionSummary]? in
            if case .status(let listeners) = reply.outcome { listeners.first?.pausedPartitions } else { nil }
        }.flatMap { $0 }
        #expect(
            reported == [
                ControlReply.PausedPartitionSummary(
                    partition: "\(topic)-0", child: "orders-0", reasons: ["partition"], resumeInSeconds: nil)
            ])

        for partition: Int32 in 0..<4 { try await kafka.produce(10, to: topic, partition: partition) }
        try await waitUntil("partitions 1…3 deliver 10 each", observed: { "\(counts())" }) {
            counts()[1...] == [10, 10, 10]
        }
        let polls = child.pollsCompleted
        try await waitUntil("10 more polls of the owner", observed: { "\(child.pollsCompleted)" }) {
            child.pollsCompleted >= polls + 10
        }
        #expect(counts()[0] == 0, "partition 0 is paused: \(counts())")

        let resumed = try await client.send(
            ControlCommand(.resumePartition(listenerId: "orders", topic: topic, partition: 0)), expectedReplies: 2)
        #expect(resumed.count == 2 && resumed.allSatisfy { $0.outcome == .applied }, "\(resumed)")
        try await waitUntil("partition 0 delivers its 10", observed: { "\(counts())" }) { counts()[0] == 10 }
        #expect(delivered(0) == Array(0..<10))

        let bad = try await client.send(
            ControlCommand(.pausePartition(listenerId: "orders", topic: topic, partition: 0, seconds: 1e300)),
            expectedReplies: 2)
        #expect(bad.count == 2 && bad.allSatisfy { if case .failed = $0.outcome { true } else { false } }, "\(bad)")
        #expect(instances.allSatisfy { $0.registry.status[0].children[0].requestedPartitionPauses.isEmpty })

        await client.close()
        for instance in instances {
            await instance.plane.stop()
            await instance.registry.stopAll()
        }
    }
}
