import KafkaListenersTesting
import Testing

@testable import KafkaClient

@Suite("Waking librdkafka's main thread for a parked commit", .timeLimit(.minutes(10)))
struct CommitNudgeTests {
    @Test("the wake-up commits nothing, even with offsets in librdkafka's offset store")
    func commitsNothing() async throws {
        let topic = try TestCluster.topic("nudge", partitions: 1)
        try await produce(20, to: topic, partition: 0)
        // The offset store on (librdkafka's default): every consumed record's offset is stored, and a commit
        // *without* a list would commit them.
        let group = TestCluster.unique("nudge")
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: group, ["enable.auto.offset.store": "true"]))
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var received = 0
        try await waitUntil("20 records", observed: { "\(received) records" }) {
            received += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100)).count
            return received >= 20
        }
        for _ in 0..<5 {
            try await consumer.withSession { session in LibrdkafkaQuirks.CommitNudge.wakeMainThread(session.core.rk) }
            _ = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50))  // serves anything queued meanwhile
        }
        let committed = try await consumer.committed([TopicPartition(topic, 0)])
        #expect(committed.map(\.offset) == [.invalid], "committed: \(committed)")
        // A real commit still lands afterwards.
        try await consumer.commit([TopicPartitionOffset(topic, 0, 20)])
        #expect(try await consumer.committed([TopicPartition(topic, 0)]).map(\.offset) == [KafkaOffset(20)])
        await consumer.close()
    }
}
