import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@Suite("EmbeddedKafka fault injection and commit on revoke", .timeLimit(.minutes(10)))
struct FaultInjectionTests {
    @Test("pushed OffsetCommit errors fail the commit with the broker's code, then commits succeed again")
    func commitErrors() async throws {
        let kafka = try await EmbeddedKafka.start(brokers: 1)
        let topic = "faults"
        try kafka.createTopic(topic, partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: kafka.configuration(["group.id": "faults", "enable.auto.commit": "false"]))
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        try await consumer.commit([TopicPartitionOffset(topic, 0, 1)])
        kafka.pushRequestErrors(.offsetCommit, [.groupAuthorizationFailed])
        let error = await #expect(throws: KafkaError.self) {
            try await consumer.commit([TopicPartitionOffset(topic, 0, 2)])
        }
        #expect(error?.codeName == "GROUP_AUTHORIZATION_FAILED")
        try await consumer.commit([TopicPartitionOffset(topic, 0, 3)])
        #expect(try await consumer.committed([TopicPartition(topic, 0)]).first?.offset == KafkaOffset(3))
        await consumer.close()
        await kafka.stop()
    }

    @Test("a broker that goes down and comes back: records sent meanwhile are delivered")
    func brokerDownAndUp() async throws {
        let kafka = try await EmbeddedKafka.start(brokers: 1)
        try kafka.createTopic("outage", partitions: 1)
        let producer = try KafkaProducer(configuration: kafka.configuration(["message.timeout.ms": "30000"]))
        try await producer.send(ProducerRecord(topic: "outage", value: "before"))
        try kafka.setBrokerDown(1)
        let pending = Task { try await producer.send(ProducerRecord(topic: "outage", value: "during")) }
        try kafka.setRoundTripDelay(broker: 1, .milliseconds(50))
        try kafka.setBrokerUp(1)
        let metadata = try await pending.value
        #expect(metadata.offset == 1)
        await producer.close()
        await kafka.stop()
    }

    @Test("a rebalance handler commits on revoke; the next owner starts after the processed records")
    func commitOnRevoke() async throws {
        let topic = try TestCluster.topic("revoke", partitions: 2)
        try await produce(100, to: topic)
        let group = TestCluster.unique("revoke")
        let config = TestCluster.consumerConfig(group: group)
        // The handler commits, per revoked partition, the offset after the last record it processed.
        let first = try PollingConsumer("first", configuration: config) { event, session, records in
            guard event.kind == .revoked else { return }
            let offsets = event.partitions.compactMap { tp -> TopicPartitionOffset? in
                records.last(where: { $0.topicPartition == tp }).map {
                    TopicPartitionOffset(tp, KafkaOffset($0.offset + 1))
                }
            }
            try? session.commit(offsets)
        }
        try await first.start(topics: [topic])
        try await waitUntil("the first consumer read all 100", observed: { "\(first.recordCount)" }) {
            first.recordCount == 100
        }
        await first.close()  // the final revoke commits

        try await produce(10, to: topic)
        let second = try PollingConsumer("second", configuration: config)
        try await second.start(topics: [topic])
        try await waitUntil("the second consumer read the 10 new records", observed: { "\(second.recordCount)" }) {
            second.recordCount >= 10
        }
        // Give a duplicate a chance to show up: poll until the group is idle for several polls.
        let polls = second.snapshot.polls
        try await waitUntil("a few more polls") { second.snapshot.polls >= polls + 5 }
        #expect(second.recordCount == 10)
        #expect(Set(second.snapshot.records.compactMap(\.valueString)) == Set((0..<10).map { "value-\($0)" }))
        await second.close()
    }
}
