import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@Suite("Consumer commits, pause, resume, seek and assignment", .timeLimit(.minutes(10)))
struct ConsumerOperationTests {
    /// An assigned consumer on a fresh 2-partition topic with `count` records per partition.
    func assignedConsumer(
        recordsPerPartition count: Int, from offset: Int64 = 0
    ) async throws -> (KafkaConsumer, String) {
        let topic = try TestCluster.topic("ops", partitions: 2)
        for partition: Int32 in 0..<2 { try await produce(count, to: topic, partition: partition) }
        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: TestCluster.unique("ops")))
        try await consumer.assign((0..<2).map { TopicPartitionOffset(topic, $0, offset) })
        return (consumer, topic)
    }

    /// Polls until `count` records arrived or the deadline passes.
    func drain(_ consumer: KafkaConsumer, count: Int) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        try await waitUntil("\(count) records", observed: { "\(records.count) records" }) {
            records += try await consumer.poll(maxRecords: 500, timeout: .milliseconds(100))
            return records.count >= count
        }
        return records
    }

    @Test("sync and async commits land and are read back by committed")
    func commits() async throws {
        let (consumer, topic) = try await assignedConsumer(recordsPerPartition: 10)
        _ = try await drain(consumer, count: 20)
        let p0 = TopicPartition(topic, 0)
        let p1 = TopicPartition(topic, 1)

        try await consumer.commit([TopicPartitionOffset(p0, KafkaOffset(4))])
        var committed = try await consumer.committed([p0, p1])
        #expect(committed.map(\.offset) == [KafkaOffset(4), .invalid])

        let outcome = Mutex<Result<[TopicPartitionOffset], KafkaError>?>(nil)
        consumer.commitAsync([TopicPartitionOffset(p1, KafkaOffset(7), metadata: "m")]) { result in
            outcome.withLock { $0 = result }
        }
        // The async result is served by a later poll.
        try await waitUntil(
            "the async commit's completion", observed: { "\(String(describing: outcome.withLock { $0 }))" }
        ) {
            _ = try await consumer.poll(maxRecords: 1, timeout: .milliseconds(20))
            return outcome.withLock { $0 } != nil
        }
        let result = try #require(outcome.withLock { $0 })
        #expect(try result.get().map(\.offset) == [KafkaOffset(7)])
        committed = try await consumer.committed([p0, p1])
        #expect(committed.map(\.offset) == [KafkaOffset(4), KafkaOffset(7)])
        #expect(committed[1].metadata == "m")
        await consumer.close()
    }

    @Test("a commit begun in a session is answered on its own queue while the session polls, and lands")
    func begunCommit() async throws {
        let (consumer, topic) = try await assignedConsumer(recordsPerPartition: 5)
        let p0 = TopicPartition(topic, 0)
        let (result, polled) = try await consumer.withSession {
            session -> (Result<[TopicPartitionOffset], KafkaError>, Int) in
            let pending = session.beginCommit([TopicPartitionOffset(p0, KafkaOffset(3), metadata: "begun")])
            // Polling meanwhile serves the consumer queue only; the answer waits on the commit's own queue.
            var polled = 0
            for _ in 0..<50 where polled == 0 {
                polled += try session.poll(maxRecords: 100, timeout: .milliseconds(100)).count
            }
            let first = pending.wait()
            #expect(pending.wait().map(\.count) == first.map(\.count), "a second wait returns the same outcome")
            return (first, polled)
        }
        #expect(try result.get().map(\.offset) == [KafkaOffset(3)])
        #expect(polled > 0, "the session polled records (for up to 5 s) while the commit was under way")
        let committed = try await consumer.committed([p0])
        #expect(committed.map(\.offset) == [KafkaOffset(3)] && committed.first?.metadata == "begun")
        let empty = try await consumer.withSession { try $0.beginCommit([]).wait().get() }
        #expect(empty.isEmpty)
        await consumer.close()
    }

    @Test("an async commit still pending at close completes with .closed, never silently")
    func asyncCommitAtClose() async throws {
        let (consumer, topic) = try await assignedConsumer(recordsPerPartition: 1)
        let outcome = Mutex<Result<[TopicPartitionOffset], KafkaError>?>(nil)
        consumer.commitAsync([TopicPartitionOffset(topic, 0, 1)]) { result in outcome.withLock { $0 = result } }
        await consumer.close()
        let result = try #require(outcome.withLock { $0 })
        switch result {
        case .success(let offsets): #expect(offsets.map(\.offset) == [KafkaOffset(1)])
        case .failure(let error): #expect(error.kind == .closed)
        }
        await #expect(throws: KafkaError.self) { try await consumer.poll() }
    }

    @Test("pause stops one partition while the consumer keeps polling; resume restarts it")
    func pauseAndResume() async throws {
        let topic = try TestCluster.topic("pause", partitions: 2)
        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: TestCluster.unique("pause")))
        let p0 = TopicPartition(topic, 0)
        let p1 = TopicPartition(topic, 1)
        try await consumer.assign([TopicPartitionOffset(p0, .beginning), TopicPartitionOffset(p1, .beginning)])
        try await consumer.pause([p0])
        try await produce(20, to: topic, partition: 0)
        try await produce(20, to: topic, partition: 1)

        var records = try await drain(consumer, count: 20)
        #expect(Set(records.map(\.partition)) == [1])
        // Keep polling a while longer: nothing from the paused partition shows up.
        for _ in 0..<10 { records += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(30)) }
        #expect(records.allSatisfy { $0.partition == 1 } && records.count == 20)

        try await consumer.resume([p0])
        let resumed = try await drain(consumer, count: 20)
        #expect(resumed.map(\.partition).allSatisfy { $0 == 0 })
        #expect(resumed.map(\.offset) == Array(0..<20))
        await consumer.close()
    }

    @Test("seek re-delivers from the given offset")
    func seekRedelivers() async throws {
        let (consumer, topic) = try await assignedConsumer(recordsPerPartition: 10)
        _ = try await drain(consumer, count: 20)
        try await consumer.seek([TopicPartitionOffset(topic, 1, 6)])
        let again = try await drain(consumer, count: 4)
        #expect(again.map(\.partition) == [1, 1, 1, 1])
        #expect(again.map(\.offset) == [6, 7, 8, 9])
        let position = try await consumer.position([TopicPartition(topic, 1)])
        #expect(position.first?.offset == KafkaOffset(10))
        await consumer.close()
    }

    @Test("explicit assignment starts at the given offset")
    func assignFromOffset() async throws {
        let (consumer, topic) = try await assignedConsumer(recordsPerPartition: 10, from: 7)
        let records = try await drain(consumer, count: 6)
        #expect(records.count == 6)
        #expect(Set(records.map(\.offset)) == [7, 8, 9])
        #expect(try await consumer.assignment() == [TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.close()
    }

    @Test("a subscription by pattern picks up matching topics")
    func patternSubscription() async throws {
        let prefix = TestCluster.unique("pat")
        try TestCluster.shared.createTopic("\(prefix)-a", partitions: 1)
        try TestCluster.shared.createTopic("\(prefix)-b", partitions: 1)
        try TestCluster.shared.createTopic("other-\(prefix)", partitions: 1)
        try await produce(3, to: "\(prefix)-a")
        try await produce(3, to: "\(prefix)-b")
        try await produce(3, to: "other-\(prefix)")
        let consumer = PollingConsumerHandle(
            try PollingConsumer("p", configuration: TestCluster.consumerConfig(group: TestCluster.unique("pat"))))
        try await consumer.value.consumer.subscribe(pattern: "\(prefix)-.*")
        consumer.value.startLoop()
        try await waitUntil("6 records from the two matching topics", observed: { "\(consumer.value.recordCount)" }) {
            consumer.value.recordCount >= 6
        }
        #expect(Set(consumer.value.snapshot.records.map(\.topic)) == ["\(prefix)-a", "\(prefix)-b"])
        await consumer.value.close()
    }
}

/// Lets a test hand a polling consumer to an escaping closure.
struct PollingConsumerHandle: Sendable {
    let value: PollingConsumer
    init(_ value: PollingConsumer) { self.value = value }
}
