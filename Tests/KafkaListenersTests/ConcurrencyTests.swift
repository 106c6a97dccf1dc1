import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Concurrent containers", .timeLimit(.minutes(10)))
struct ConcurrencyTests {
    @Test(
        "concurrency 3 on 6 partitions: 2 each, container(for:) finds the owner; a 4th member joining revokes with commits, nothing lost, commits only move forward"
    )
    func concurrencyAndFourthMember() async throws {
        let topic = try await kafka.topic("conc", partitions: 6)
        let group = kafka.unique("conc")
        let recorder = Recorder()
        func endpoint(_ id: String, concurrency: Int) -> ListenerEndpoint {
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    try await Task.sleep(for: .milliseconds(2))
                    recorder.note(record, context)
                }, groupId: group, concurrency: concurrency, ackMode: .batch, maxPollRecords: 20)
        }
        let registry = makeRegistry()
        recorder.record(registry.events)
        let container = try registry.register(endpoint("conc", concurrency: 3))
        #expect(container.children.map(\.id) == ["conc-0", "conc-1", "conc-2"])
        try await registry.startAll()
        try await waitUntil(
            "each child owns 2 partitions", observed: { "\(container.children.map(\.assignedPartitions))" }
        ) {
            container.children.allSatisfy { $0.assignedPartitions.count == 2 }
        }
        for partition: Int32 in 0..<6 {
            let owner = try #require(container.container(for: topic, partition: partition))
            #expect(owner.assignedPartitions.contains(TopicPartition(topic, partition)))
        }
        #expect(container.container(for: topic, partition: 6) == nil)

        // Records keep arriving while a fourth member joins the group.
        let total = 900
        let producing = Task { try await kafka.produceSlowly(total, to: topic, over: .seconds(6)) }
        try await waitUntil("records flowing", observed: { "\(recorder.count)" }) { recorder.count >= 100 }
        let second = makeRegistry()
        recorder.record(second.events)
        try second.register(endpoint("fourth", concurrency: 1))
        try await second.startAll()
        try await waitUntil("the fourth member got partitions", observed: { "\(second.status)" }) {
            !(second.childContainer(id: "fourth-0")?.assignedPartitions.isEmpty ?? true)
        }
        try await producing.value
        try await waitUntil(
            "all \(total) records handled", timeout: .seconds(30),
            observed: {
                "\(recorder.handledCounts.mapValues { $0.keys.max() ?? -1 }) \(registry.status) \(second.status) polls \(registry.childContainer(id: "conc-0")!.pollsCompleted)"
            }
        ) {
            recorder.handledCounts.values.reduce(0) { $0 + $1.count } >= total
        }
        // Let any duplicate show up before judging.
        let polls = registry.childContainer(id: "conc-0")!.pollsCompleted
        try await waitUntil("a few more polls") { registry.childContainer(id: "conc-0")!.pollsCompleted >= polls + 5 }
        // Judge duplicates before stopping: stopping the fourth member is another rebalance.
        let counts = recorder.handledCounts
        await second.stopAll()
        await registry.stopAll()

        let revokes = recorder.events(matching: {
            if case .partitionsRevoked(let tps) = $0 { !tps.isEmpty } else { false }
        })
        #expect(!revokes.isEmpty, "the join must have revoked partitions")
        #expect(counts.values.reduce(0) { $0 + $1.count } == total, "every record handled")
        // librdkafka 2.0.2's mock broker refuses commits while the group is joining (REBALANCE_IN_PROGRESS;
        // a real broker accepts them until the join completes), and a join may take more than one round.
        // The container stops handing out records once a commit is refused and gives the rest back, so
        // each revocation of a partition re-delivers at most one poll's records (20) of it.
        for (tp, offsets) in counts {
            let extra = offsets.values.reduce(0) { $0 + $1 - 1 }
            let revocations = revokes.filter { event in
                if case .partitionsRevoked(let tps) = event.kind { tps.contains(tp) } else { false }
            }.count
            #expect(extra <= 20 * revocations, "\(tp): \(extra) extra handlings over \(revocations) revocations")
        }
        // Per partition, commits across all members only ever move forward.
        for partition: Int32 in 0..<6 {
            let commits = recorder.commits(TopicPartition(topic, partition))
            #expect(
                commits == commits.sorted() && Set(commits).count == commits.count, "partition \(partition): \(commits)"
            )
        }
        let committed = try await committedOffsets(group: group, topic: topic, partitions: 6)
        #expect(committed.reduce(0, +) == Int64(total))
    }

    @Test("static membership: each child gets its own group.instance.id, and both children consume")
    func staticMembership() async throws {
        let topic = try await kafka.topic("static", partitions: 2)
        try await kafka.produce(20, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        let container = try registry.register(
            ListenerEndpoint(
                id: kafka.unique("static"), selection: .topics([topic]),
                listener: .record { r, c in recorder.note(r, c) },
                concurrency: 2, consumerProperties: ["group.instance.id": "orders-host-1"]))
        #expect(
            container.children.map { $0.configuration["group.instance.id"] } == ["orders-host-1-0", "orders-host-1-1"])
        try await registry.startAll()
        try await waitUntil("20 records", observed: { "\(recorder.count)" }) { recorder.count >= 20 }
        try await waitUntil("both children own a partition", observed: { "\(container.status)" }) {
            container.children.allSatisfy { $0.assignedPartitions.count == 1 && $0.isRunning }
        }
        await registry.stopAll()
    }

    @Test("concurrency above the partition count leaves children idle")
    func moreChildrenThanPartitions() async throws {
        let topic = try await kafka.topic("idlechildren", partitions: 2)
        try await kafka.produce(20, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        let container = try registry.register(
            ListenerEndpoint(
                id: kafka.unique("wide"), selection: .topics([topic]),
                listener: .record { r, c in recorder.note(r, c) }, concurrency: 4))
        try await registry.startAll()
        try await waitUntil("20 records", observed: { "\(recorder.count)" }) { recorder.count >= 20 }
        // Under load the group may still be moving partitions between children when the records are in.
        try await waitUntil("the group settles on two owners", observed: { "\(container.status)" }) {
            container.children.filter { !$0.assignedPartitions.isEmpty }.count == 2
        }
        let owners = container.children.filter { !$0.assignedPartitions.isEmpty }
        #expect(owners.count == 2)
        #expect(container.status.filter { $0.assignedPartitions.isEmpty }.count == 2)
        await registry.stopAll()
    }
}

extension TestKafka {
    /// Produces `count` records spread evenly over `duration`, each awaited.
    func produceSlowly(_ count: Int, to topic: String, over duration: Duration) async throws {
        let producer = try KafkaProducer(configuration: producerConfig())
        let pause = duration / count
        for i in 0..<count {
            try await producer.sendAndForget(ProducerRecord(topic: topic, key: "key-\(i % 60)", value: "value-\(i)"))
            if i % 10 == 9 { try await Task.sleep(for: pause * 10) }
        }
        try await producer.flush()
        await producer.close()
    }
}
