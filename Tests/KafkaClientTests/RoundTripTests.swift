import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("Produce and consume round trip", .timeLimit(.minutes(10)))
struct RoundTripTests {
    @Test("keys, values, headers and timestamps survive a round trip")
    func roundTrip() async throws {
        let topic = try TestCluster.topic("roundtrip", partitions: 3)
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        var sent: [RecordMetadata] = []
        for i in 0..<30 {
            let record = ProducerRecord(
                topic: topic, key: "key-\(i % 5)", value: "value-\(i)",
                headers: [RecordHeader(key: "index", string: "\(i)"), RecordHeader(key: "empty", value: nil)],
                timestampMilliseconds: 1_700_000_000_000 + Int64(i))
            sent.append(try await producer.send(record))
        }
        await producer.close()

        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: TestCluster.unique("g")))
        try await consumer.assign((0..<3).map { TopicPartitionOffset(topic, $0, 0) })
        var received: [ConsumerRecord] = []
        try await waitUntil("30 records", observed: { "" }) {
            received += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(200))
            return received.count >= 30
        }
        await consumer.close()

        #expect(received.count == 30)
        for record in received {
            let index = Int(record.headers.lastString(for: "index")!)!
            #expect(record.valueString == "value-\(index)")
            #expect(record.keyString == "key-\(index % 5)")
            #expect(
                record.timestamp == RecordTimestamp(kind: .createTime, milliseconds: 1_700_000_000_000 + Int64(index)))
            #expect(record.headers.contains(RecordHeader(key: "empty", value: nil)))
            let metadata = sent[index]
            #expect(metadata.partition == record.partition && metadata.offset == record.offset)
        }
        // Same key, same partition.
        let partitionsByKey = Dictionary(grouping: received, by: { $0.keyString! }).mapValues {
            Set($0.map(\.partition))
        }
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 })
    }
}
