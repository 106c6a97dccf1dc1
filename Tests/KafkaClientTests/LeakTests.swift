import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("Resource lifecycle", .timeLimit(.minutes(10)))
struct LeakTests {
    /// Produces and consumes 100,000 records on a cluster of its own, then closes everything.
    /// Run under valgrind or LeakSanitizer to check that every native resource is freed (see Docs/ClientLayer.md).
    @Test("100,000 records produced and consumed; every client and the cluster closed")
    func produceConsumeClose() async throws {
        let count = 100_000
        let kafka = try await EmbeddedKafka.start(brokers: 1)
        try kafka.createTopic("leak", partitions: 4)
        let producer = try KafkaProducer(configuration: kafka.configuration(["linger.ms": "5"]))
        for i in 0..<count {
            try await producer.sendAndForget(
                ProducerRecord(
                    topic: "leak", key: "k\(i % 64)", value: "v\(i)",
                    headers: i % 10 == 0 ? [RecordHeader(key: "h", string: "\(i)")] : []))
        }
        try await producer.flush()
        await producer.close()

        let consumer = try KafkaConsumer(
            configuration: kafka.configuration(["group.id": "leak", "enable.auto.commit": "false"]))
        try await consumer.assign((0..<4).map { TopicPartitionOffset("leak", $0, 0) })
        var received = 0
        var headers = 0
        try await waitUntil("\(count) records", timeout: .seconds(120), observed: { "\(received)" }) {
            let records = try await consumer.poll(maxRecords: 2000, timeout: .milliseconds(100))
            received += records.count
            headers += records.filter { !$0.headers.isEmpty }.count
            if let last = records.last {
                consumer.commitAsync([TopicPartitionOffset(last.topicPartition, KafkaOffset(last.offset + 1))]) { _ in }
            }
            return received >= count
        }
        #expect(received == count)
        #expect(headers == count / 10)
        await consumer.close()
        await kafka.stop()
    }
}
