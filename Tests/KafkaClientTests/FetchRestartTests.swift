import Crdkafka
import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("Waking librdkafka's fetcher when a bounded prefetch queue drains", .timeLimit(.minutes(10)))
struct FetchRestartTests {
    /// librdkafka 2.2.0 has `fetch.queue.backoff.ms` and needs no wake-ups after a drain.
    static let needsRestarts = LibrdkafkaQuirks.neededByLoadedLibrary.contains(.fetchRestart)
    /// Whether this librdkafka gets the assignment watch.
    static let watchesAssignments = LibrdkafkaQuirks.neededByLoadedLibrary.contains(.assignmentWake)

    /// Small local-queue limits: every fetch response overfills them, so the fetcher stops many times.
    static let bounded = ["queued.min.messages": "1000", "queued.max.messages.kbytes": "64"]

    @Test("a consumer with small queue limits gets every record, in order, and wakes the fetcher when its queue drains")
    func consumerQueue() async throws {
        let topic = try TestCluster.topic("restart", partitions: 2)
        for partition: Int32 in 0..<2 { try await produce(10_000, to: topic, partition: partition) }
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("restart"), Self.bounded))
        try await consumer.assign((0..<2).map { TopicPartitionOffset(topic, $0, 0) })
        var offsets: [Int32: [Int64]] = [:]
        try await waitUntil(
            "20,000 records", timeout: .seconds(60),
            observed: { "\(offsets.mapValues(\.count)), \(consumer.fetchRestarts) restarts" }
        ) {
            for record in try await consumer.poll(maxRecords: 200, timeout: .milliseconds(100)) {
                offsets[record.partition, default: []].append(record.offset)
            }
            return offsets.values.reduce(0) { $0 + $1.count } >= 20_000
        }
        #expect(offsets[0] == Array(0..<10_000) && offsets[1] == Array(0..<10_000), "each record once, in order")
        if Self.needsRestarts {
            #expect(consumer.fetchRestarts >= 1, "restarts: \(consumer.fetchRestarts)")
        } else {
            #expect(consumer.fetchRestarts == 0)
        }
        await consumer.close()
    }

    @Test("a split partition queue with small limits wakes its partition's fetcher and gets every record")
    func partitionQueue() async throws {
        let topic = try TestCluster.topic("restart-pq", partitions: 1)
        try await produce(10_000, to: topic, partition: 0)
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("restart-pq"), Self.bounded))
        let tp = TopicPartition(topic, 0)
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        let queue = try await consumer.withSession { try $0.partitionQueue(for: tp) }
        var offsets: [Int64] = []
        try await waitUntil(
            "10,000 records", timeout: .seconds(60),
            observed: { "\(offsets.count), \(consumer.fetchRestarts) restarts" }
        ) {
            let batch = try await consumer.withSession { session -> [Int64] in
                var batch: [Int64] = []
                // The consumer queue serves the consumer's own events, and holds what was fetched before the split.
                try session.poll(maxRecords: 1000, timeout: .zero) { batch.append($0.offset) }
                try session.poll(queue, maxRecords: 200, timeout: .milliseconds(100)) { batch.append($0.offset) }
                return batch
            }
            offsets += batch
            return offsets.count >= 10_000
        }
        #expect(offsets.count == 10_000 && Set(offsets) == Set(0..<10_000), "each record once")
        if Self.needsRestarts { #expect(consumer.fetchRestarts >= 1, "restarts: \(consumer.fetchRestarts)") }
        await consumer.close()
    }

    @Test(
        "a new assignment whose first record is late wakes the fetchers twice, then leaves them alone; a reassignment starts over"
    )
    func assignmentWatch() async throws {
        guard Self.watchesAssignments else { return }
        let topic = try TestCluster.topic("restart-idle", partitions: 2)  // empty: the first record never comes
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("restart-idle")))
        try await consumer.assign((0..<2).map { TopicPartitionOffset(topic, $0, 0) })
        try await waitUntil(
            "two wake-ups after the assignment", timeout: .seconds(10),
            observed: { "\(consumer.fetchRestarts) wake-ups" }
        ) {
            _ = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50))
            return consumer.fetchRestarts >= 2
        }
        // The watch is over: polling on for longer than its whole schedule adds none.
        for _ in 0..<6 { _ = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50)) }
        #expect(consumer.fetchRestarts == 2, "wake-ups after the watch ended: \(consumer.fetchRestarts)")

        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        try await waitUntil(
            "two more after the reassignment", timeout: .seconds(10), observed: { "\(consumer.fetchRestarts) wake-ups" }
        ) {
            _ = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50))
            return consumer.fetchRestarts >= 4
        }
        try await produce(10, to: topic, partition: 0)
        var received = 0
        try await waitUntil("the 10 records produced later", timeout: .seconds(30), observed: { "\(received) records" })
        {
            received += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100)).count
            return received >= 10
        }
        #expect(consumer.fetchRestarts == 4, "wake-ups: \(consumer.fetchRestarts)")
        await consumer.close()
    }

    @Test("once records arrive, the assignment watch stops waking the fetchers")
    func assignmentWatchStopsOnRecords() async throws {
        guard Self.watchesAssignments else { return }
        let topic = try TestCluster.topic("restart-busy", partitions: 1)
        try await produce(1_000, to: topic, partition: 0)
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("restart-busy")))
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var received = 0
        try await waitUntil(
            "1,000 records", timeout: .seconds(30),
            observed: { "\(received) records, \(consumer.fetchRestarts) wake-ups" }
        ) {
            received += try await consumer.poll(maxRecords: 500, timeout: .milliseconds(100)).count
            return received >= 1_000
        }
        // Polling past the watch's schedule: a watch that saw the records has stopped.
        let afterRecords = consumer.fetchRestarts
        for _ in 0..<6 { _ = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50)) }
        #expect(received == 1_000)
        #expect(
            consumer.fetchRestarts == afterRecords && afterRecords <= 2,
            "wake-ups: \(afterRecords), then \(consumer.fetchRestarts)")
        await consumer.close()
    }
}
