import Foundation
import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("KafkaAdmin against EmbeddedKafka", .timeLimit(.minutes(10)))
struct AdminTests {
    private func makeAdmin() throws -> KafkaAdmin {
        try KafkaAdmin(configuration: TestCluster.shared.configuration())
    }

    /// Produces `perPartition` records to each partition of `topic` and returns once all are acknowledged.
    private func produce(_ topic: String, partitions: Int32, perPartition: Int) async throws {
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        for partition in 0..<partitions {
            for i in 0..<perPartition {
                try await producer.send(ProducerRecord(topic: topic, partition: partition, value: "p\(partition)-\(i)"))
            }
        }
        await producer.close()
    }

    /// Commits `offsets` for `group` the way a simple consumer does (assign, then commit).
    private func commit(group: String, _ offsets: [TopicPartitionOffset]) async throws {
        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: group))
        try await consumer.assign(offsets.map { TopicPartitionOffset($0.topicPartition, .stored) })
        try await consumer.commit(offsets)
        await consumer.close()
    }

    @Test("lists topics with their partition counts and describes the three brokers")
    func listTopicsAndDescribeCluster() async throws {
        let topic = try TestCluster.topic("admin-list", partitions: 4)
        let admin = try makeAdmin()
        var seen: [TopicDescription] = []
        try await waitUntil("topic \(topic) in the metadata", timeout: .seconds(20), observed: { "\(seen)" }) {
            seen = try await admin.listTopics(timeout: .seconds(5))
            return seen.contains { $0.name == topic }
        }
        let description = try #require(seen.first { $0.name == topic })
        #expect(description.partitionCount == 4)
        #expect(description.partitions.map(\.id) == [0, 1, 2, 3])
        #expect(!seen.contains { TopicName.internalTopics.contains($0.name) })

        let cluster = try await admin.describeCluster(timeout: .seconds(10))
        #expect(cluster.brokers.count == 3)
        #expect(Set(cluster.brokers.map(\.id)).count == 3)
        #expect(cluster.brokers.allSatisfy { !$0.host.isEmpty && $0.port > 0 })
        #expect(cluster.clusterId?.isEmpty == false)
        let brokerIds = Set(cluster.brokers.map(\.id))
        #expect(description.partitions.allSatisfy { brokerIds.contains($0.leader) && $0.replicas.contains($0.leader) })
        await admin.close()
    }

    @Test("describes a group's committed offsets, log-end offsets and lag per partition")
    func groupLag() async throws {
        let topic = try TestCluster.topic("admin-lag", partitions: 3)
        let group = TestCluster.unique("admin-lag-group")
        try await produce(topic, partitions: 3, perPartition: 10)
        try await commit(group: group, [TopicPartitionOffset(topic, 0, 4), TopicPartitionOffset(topic, 1, 10)])

        let admin = try makeAdmin()
        let rows = try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(15))
        await admin.close()

        #expect(rows.map(\.partition) == [0, 1, 2])
        #expect(rows.allSatisfy { $0.topic == topic && $0.logEndOffset == 10 })
        #expect(rows[0].currentOffset == 4 && rows[0].lag == 6)
        #expect(rows[1].currentOffset == 10 && rows[1].lag == 0)
        #expect(rows[2].currentOffset == nil && rows[2].lag == nil)
    }

    @Test("resets one partition to earliest, latest and a given offset, and a whole topic to latest")
    func resetOffsets() async throws {
        let topic = try TestCluster.topic("admin-reset", partitions: 3)
        let group = TestCluster.unique("admin-reset-group")
        try await produce(topic, partitions: 3, perPartition: 10)
        try await commit(group: group, [TopicPartitionOffset(topic, 1, 5)])
        let admin = try makeAdmin()

        let earliest = try await admin.resetOffsets(
            group: group, topic: topic, partition: 1, to: .earliest, timeout: .seconds(15))
        #expect(earliest == [TopicPartitionOffset(topic, 1, 0)])
        var rows = try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(15))
        #expect(rows.map(\.currentOffset) == [nil, 0, nil])

        try await admin.resetOffsets(group: group, topic: topic, partition: 1, to: .latest, timeout: .seconds(15))
        rows = try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(15))
        #expect(rows.map(\.currentOffset) == [nil, 10, nil])
        #expect(rows[1].lag == 0)

        try await admin.resetOffsets(group: group, topic: topic, partition: 1, to: .offset(7), timeout: .seconds(15))
        // Read back through a consumer of the group as well.
        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: group))
        let committed = try await consumer.committed([TopicPartition(topic, 1)], timeout: .seconds(10))
        await consumer.close()
        #expect(committed.map(\.offset) == [KafkaOffset(7)])

        // Out of range: clamped to the log end, like kafka-consumer-groups does.
        let clamped = try await admin.resetOffsets(
            group: group, topic: topic, partition: 2, to: .offset(1_000), timeout: .seconds(15))
        #expect(clamped == [TopicPartitionOffset(topic, 2, 10)])

        // A time after every record resolves to the log end (on every broker; the mock cluster answers
        // every timestamp lookup with "none", so it resolves any timestamp there).
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000
        let byTime = try await admin.resetOffsets(
            group: group, topic: topic, partition: 0, to: .timestamp(milliseconds: future), timeout: .seconds(15))
        #expect(byTime == [TopicPartitionOffset(topic, 0, 10)])

        let whole = try await admin.resetOffsets(group: group, topic: topic, to: .latest, timeout: .seconds(15))
        #expect(whole.map(\.offset) == [KafkaOffset(10), KafkaOffset(10), KafkaOffset(10)])
        rows = try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(15))
        #expect(rows.map(\.lag) == [0, 0, 0])

        await #expect(throws: KafkaError.self) {
            try await admin.resetOffsets(group: group, topic: topic, partition: 3, to: .earliest, timeout: .seconds(15))
        }
        await admin.close()
    }

    @Test("a reset while the group has an active member fails, saying so")
    func resetWithActiveMembers() async throws {
        let topic = try TestCluster.topic("admin-active", partitions: 1)
        let group = TestCluster.unique("admin-active-group")
        try await produce(topic, partitions: 1, perPartition: 3)
        let member = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: group))
        try await member.subscribe(topics: [topic])
        try await waitUntil("the member is assigned its partition", timeout: .seconds(30)) {
            _ = try await member.poll(maxRecords: 10, timeout: .milliseconds(100))
            return try await member.assignment() == [TopicPartition(topic, 0)]
        }
        let admin = try makeAdmin()
        let error = await #expect(throws: KafkaError.self) {
            try await admin.resetOffsets(group: group, topic: topic, to: .earliest, timeout: .seconds(15))
        }
        #expect(error?.kind == .broker)
        #expect(error?.message.contains("has active members") == true)
        // Lag can still be read while members are active.
        let rows = try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(15))
        #expect(rows.map(\.logEndOffset) == [3])
        await member.close()
        await admin.close()
    }

    @Test("requests EmbeddedKafka does not implement fail clearly within their timeout")
    func unsupportedRequests() async throws {
        let admin = try makeAdmin()
        let create = await #expect(throws: KafkaError.self) {
            try await admin.createTopic(TestCluster.unique("admin-create"), partitions: 1, timeout: .seconds(2))
        }
        #expect(create?.kind == .timedOut || create?.kind == .unsupported)
        #expect(create?.message.contains("not supported by this broker or timed out after 2 s") == true)

        let delete = await #expect(throws: KafkaError.self) {
            try await admin.deleteTopics([TestCluster.unique("admin-delete")], timeout: .seconds(2))
        }
        #expect(delete?.kind == .timedOut || delete?.kind == .unsupported)
        #expect(delete?.message.contains("not supported by this broker or timed out after 2 s") == true)

        let list = await #expect(throws: KafkaError.self) {
            _ = try await admin.listConsumerGroups(timeout: .seconds(2))
        }
        #expect(list?.kind == .timedOut || list?.kind == .unsupported)
        #expect(list?.message.contains("not supported by this broker or timed out after 2 s") == true)
        await admin.close()
    }

    @Test("an invalid topic name fails before any request")
    func invalidTopicName() async throws {
        // No broker listens here: any request would time out instead of failing on the name. (The log
        // shows librdkafka's refused connections.)
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        let bad = "bad name!"
        let create = await #expect(throws: KafkaError.self) {
            try await admin.createTopic(bad, partitions: 1, timeout: .seconds(30))
        }
        #expect(create?.kind == .invalidTopicName)
        let delete = await #expect(throws: KafkaError.self) {
            try await admin.deleteTopics([bad], timeout: .seconds(30))
        }
        #expect(delete?.kind == .invalidTopicName)
        let lag = await #expect(throws: KafkaError.self) {
            _ = try await admin.groupLag(group: "g", topics: [bad], timeout: .seconds(30))
        }
        #expect(lag?.kind == .invalidTopicName)
        let reset = await #expect(throws: KafkaError.self) {
            try await admin.resetOffsets(group: "g", topic: bad, to: .earliest, timeout: .seconds(30))
        }
        #expect(reset?.kind == .invalidTopicName)
        let partitions = await #expect(throws: KafkaError.self) {
            try await admin.createTopic("fine-name", partitions: 0, timeout: .seconds(30))
        }
        #expect(partitions?.kind == .invalidArgument)
        await admin.close()
        let closed = await #expect(throws: KafkaError.self) { _ = try await admin.listTopics(timeout: .seconds(1)) }
        #expect(closed?.kind == .closed)
    }
}
