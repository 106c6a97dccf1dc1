import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

// One case at a time: each starts a broker of its own, and eight at once starve a 2-core machine.
@Suite("Faults under a running container: failed commits and a broker outage", .serialized, .timeLimit(.minutes(10)))
struct CommitFaultTests {
    static let perPartition = 50
    static let failures = 3

    @Test(
        "OffsetCommit errors are reported as commitFailed events, every handled offset is committed in the end, and no record is handled twice",
        arguments: [CommitMode.sync, .async])
    func failedCommitsAreMadeGood(_ commitMode: CommitMode) async throws {
        // A broker of its own: pushed errors fail the next OffsetCommit requests of the whole cluster.
        try await Self.onOwnBroker { cluster in try await failAndRecover(cluster, commitMode) }
    }

    private func failAndRecover(_ cluster: EmbeddedKafka, _ commitMode: CommitMode) async throws {
        let topic = "commit-faults"
        let group = "commit-faults"
        try await Self.createFilledTopic(cluster, topic: topic)

        let registry = ListenerRegistry(baseConfiguration: cluster.configuration())
        let recorder = Recorder()
        recorder.record(registry.events)
        cluster.pushRequestErrors(.offsetCommit, Array(repeating: .groupAuthorizationFailed, count: Self.failures))
        try registry.register(
            ListenerEndpoint(
                id: "faulty-commits", selection: Self.bothPartitions(topic),
                listener: .record { record, context in recorder.note(record, context) },
                groupId: group, ackMode: .batch, commitMode: commitMode, maxPollRecords: 10))
        try await registry.startAll()

        let total = 2 * Self.perPartition
        try await waitUntil("every record handled", observed: { "\(recorder.count) of \(total)" }) {
            recorder.count >= total
        }
        try await Self.waitUntilAllCommitted(cluster, group: group, topic: topic)
        await registry.stopAll()

        let failed = recorder.events(matching: { if case .commitFailed = $0 { true } else { false } })
        #expect(
            (1...Self.failures).contains(failed.count),
            "\(failed.count) commitFailed events for \(Self.failures) failed requests")
        for event in failed {
            guard case .commitFailed(let offsets, let error) = event.kind else { continue }
            #expect(error.codeName == "GROUP_AUTHORIZATION_FAILED", "\(error)")
            #expect(!offsets.isEmpty)
        }
        // A failed commit re-delivers nothing: each record was handled exactly once.
        Self.expectEachRecordOnce(recorder, topic: topic)
        // The last commit event carries the end of each partition.
        #expect(recorder.commits(TopicPartition(topic, 0)).last == Int64(Self.perPartition))
        #expect(recorder.commits(TopicPartition(topic, 1)).last == Int64(Self.perPartition))
    }

    @Test(
        "a refused commit is tried again only after a back-off that doubles (100, 200, 400 ms), while records keep flowing",
        arguments: [(AckMode.batch, CommitMode.sync), (.batch, .async), (.record, .sync), (.record, .async)])
    func refusedCommitsBackOff(_ ackMode: AckMode, _ commitMode: CommitMode) async throws {
        try await Self.onOwnBroker { cluster in try await backOff(cluster, ackMode, commitMode) }
    }

    private func backOff(_ cluster: EmbeddedKafka, _ ackMode: AckMode, _ commitMode: CommitMode) async throws {
        let topic = "back-off"
        let group = "back-off"
        let refusals = 4
        try await Self.createFilledTopic(cluster, topic: topic)
        let registry = ListenerRegistry(baseConfiguration: cluster.configuration())
        let recorder = Recorder()
        let failures = CommitNoter()
        cluster.pushRequestErrors(.offsetCommit, Array(repeating: .groupAuthorizationFailed, count: refusals))
        try registry.register(
            ListenerEndpoint(
                id: "back-off", selection: Self.bothPartitions(topic),
                listener: .record { record, context in recorder.note(record, context) },
                groupId: group, ackMode: ackMode, commitMode: commitMode, maxPollRecords: 10,
                interceptors: Interceptors(consumer: [failures])))
        try await registry.startAll()
        try await Self.waitUntilAllCommitted(cluster, group: group, topic: topic, observed: "\(recorder.count) handled")
        await registry.stopAll()

        let times = failures.refusalTimes
        #expect(times.count == refusals, "\(times.count) refused commits for \(refusals) refusals")
        for (index, (earlier, later)) in zip(times, times.dropFirst()).enumerated() {
            let backOff = [Duration.milliseconds(100), .milliseconds(200), .milliseconds(400)][index]
            // The retry is sent no earlier than the back-off after the refusal was handled (a few ms of slack for
            // the moment between computing the back-off and reporting the refusal).
            #expect(
                later - earlier >= backOff - .milliseconds(5),
                "retry \(index + 1) came \(later - earlier) after the refusal; back-off \(backOff)")
        }
        Self.expectEachRecordOnce(recorder, topic: topic)
    }

    @Test(
        "a broker outage mid-stream: the container keeps running, and once the broker is back every record is handled once and committed",
        arguments: [CommitMode.sync, .async])
    func brokerOutage(_ commitMode: CommitMode) async throws {
        try await Self.onOwnBroker { cluster in try await outage(cluster, commitMode) }
    }

    private func outage(_ cluster: EmbeddedKafka, _ commitMode: CommitMode) async throws {
        let topic = "outage"
        let group = "outage"
        try await Self.createFilledTopic(cluster, topic: topic)
        let registry = ListenerRegistry(
            baseConfiguration: cluster.configuration(["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "200"]))
        let recorder = Recorder()
        recorder.record(registry.events)
        let container = try registry.register(
            ListenerEndpoint(
                id: "outage", selection: Self.bothPartitions(topic),
                listener: .record { record, context in
                    try await Task.sleep(for: .milliseconds(5))
                    recorder.note(record, context)
                }, groupId: group, ackMode: .batch, commitMode: commitMode, maxPollRecords: 10))
        try await registry.startAll()
        let total = 2 * Self.perPartition
        try await waitUntil("records flowing", observed: { "\(recorder.count)" }) { recorder.count >= 10 }
        // The fault itself: the only broker (leader and group coordinator) is gone for a second.
        try cluster.setBrokerDown(1)
        try await Task.sleep(for: .seconds(1))
        #expect(container.isRunning, "the container survives the outage")
        try cluster.setBrokerUp(1)

        try await waitUntil(
            "every record handled", timeout: .seconds(60), observed: { "\(recorder.count) of \(total)" }
        ) {
            recorder.count >= total
        }
        try await Self.waitUntilAllCommitted(cluster, group: group, topic: topic, timeout: .seconds(60))
        #expect(container.isRunning)
        await registry.stopAll()
        Self.expectEachRecordOnce(recorder, topic: topic)
    }

    /// Runs `body` on an EmbeddedKafka of its own, stopped afterwards whether `body` throws or not.
    private static func onOwnBroker(_ body: (EmbeddedKafka) async throws -> Void) async throws {
        let cluster = try await EmbeddedKafka.start(brokers: 1)
        do {
            try await body(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Both partitions of `topic`, assigned from the start.
    private static func bothPartitions(_ topic: String) -> TopicSelection {
        .partitions([TopicPartitionOffset(topic, 0, 0), TopicPartitionOffset(topic, 1, 0)])
    }

    /// Waits until `group` has committed the end of both partitions of `topic`.
    private static func waitUntilAllCommitted(
        _ cluster: EmbeddedKafka, group: String, topic: String, timeout: Duration = .seconds(30),
        observed extra: @autoclosure () -> String = ""
    ) async throws {
        let expected = [Int64(perPartition), Int64(perPartition)]
        var committed: [Int64] = []
        try await waitUntil(
            "every handled offset committed", timeout: timeout, observed: { "committed \(committed) \(extra())" }
        ) {
            committed = try await committedOffsets(cluster, group: group, topic: topic)
            return committed == expected
        }
    }

    /// Every record of both partitions was handled, and none twice.
    private static func expectEachRecordOnce(_ recorder: Recorder, topic: String) {
        let counts = recorder.handledCounts
        for partition: Int32 in 0..<2 {
            let handled = counts[TopicPartition(topic, partition)] ?? [:]
            #expect(handled.keys.sorted() == (0..<Int64(perPartition)).map { $0 }, "partition \(partition)")
            #expect(
                handled.values.allSatisfy { $0 == 1 }, "handled twice: \(handled.filter { $0.value > 1 }.keys.sorted())"
            )
        }
    }

    /// Creates `topic` with two partitions and produces `perPartition` records to each.
    private static func createFilledTopic(_ cluster: EmbeddedKafka, topic: String) async throws {
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: cluster.configuration())
        do {
            for partition: Int32 in 0..<2 {
                for index in 0..<perPartition {
                    try await producer.sendAndForget(
                        ProducerRecord(topic: topic, partition: partition, key: "k\(index)", value: "v\(index)"))
                }
            }
            try await producer.flush(timeout: .seconds(30))
        } catch {
            await producer.close()
            throw error
        }
        await producer.close()
    }

    private static func committedOffsets(_ cluster: EmbeddedKafka, group: String, topic: String) async throws -> [Int64]
    {
        let consumer = try KafkaConsumer(configuration: cluster.configuration(["group.id": group]))
        let committed = try await consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.close()
        return committed.map(\.offset.rawValue)
    }
}
