import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@Suite("Producer", .timeLimit(.minutes(10)))
struct ProducerTests {
    @Test("a full local queue makes send wait, not fail; close delivers what is queued")
    func queueFullWaits() async throws {
        let topic = try TestCluster.topic("qfull", partitions: 1)
        // A tiny local queue: most sends find it full and have to wait for deliveries.
        let producer = try KafkaProducer(
            configuration: TestCluster.producerConfig(["queue.buffering.max.messages": "10", "linger.ms": "20"]))
        for i in 0..<500 { try await producer.sendAndForget(ProducerRecord(topic: topic, value: "v\(i)")) }
        await producer.close()
        #expect(try await logEndOffset(topic, 0) == 500)
    }

    @Test("send to an explicit partition lands there and reports its offset")
    func explicitPartition() async throws {
        let topic = try TestCluster.topic("explicit", partitions: 4)
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        for expected in 0..<3 {
            let metadata = try await producer.send(ProducerRecord(topic: topic, partition: 2, key: "k", value: "v"))
            #expect(metadata.partition == 2 && metadata.offset == Int64(expected))
        }
        await producer.close()
    }

    @Test(
        "a record with headers for a partition the topic lacks is an error, not a crash; headers arrive byte for byte")
    func headersToMissingPartition() async throws {
        let topic = try TestCluster.topic("missing-partition", partitions: 1)
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        let headers = [
            RecordHeader(key: "a", value: [1, 2, 3]), RecordHeader(key: "empty", value: []),
            RecordHeader(key: "null", value: nil),
        ]
        // librdkafka before 2.12.0 freed headers passed one by one twice on this path (librdkafka #4627).
        for _ in 0..<20 {
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(ProducerRecord(topic: topic, partition: 5, value: "x", headers: headers))
            }
            #expect(error?.code == -190, "unknown partition: \(String(describing: error))")
        }
        let metadata = try await producer.send(ProducerRecord(topic: topic, partition: 0, value: "x", headers: headers))
        #expect(metadata.partition == 0)
        await producer.close()
        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("missing-partition-reader")))
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var records: [ConsumerRecord] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while records.isEmpty && ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 10, timeout: .milliseconds(100))
        }
        await consumer.close()
        #expect(records.first?.headers == headers, "empty and null values stay distinct")
    }

    @Test("a delivery failure reaches send's caller and the fire-and-forget handler; the producer goes on")
    func deliveryFailure() async throws {
        let topic = try TestCluster.topic("dfail", partitions: 1)
        let failures = Mutex<[ProducerRecordFailure]>([])
        let producer = try KafkaProducer(
            configuration: TestCluster.producerConfig(["message.timeout.ms": "1500", "retries": "0"]),
            onDeliveryFailure: { failure in failures.withLock { $0.append(failure) } })
        TestCluster.shared.setTopicError(topic, .topicAuthorizationFailed)
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerRecord(topic: topic, value: "x"))
        }
        #expect(error?.operation.contains(topic) == true)
        try await producer.sendAndForget(ProducerRecord(topic: topic, value: "y"))
        try await waitUntil("the fire-and-forget failure", observed: { "\(failures.withLock { $0 })" }) {
            !failures.withLock { $0.isEmpty }
        }
        TestCluster.shared.setTopicError(topic, .noError)
        let metadata = try await producer.send(ProducerRecord(topic: topic, value: "ok"))
        #expect(metadata.topic == topic)
        await producer.close()
    }

    @Test("producer interceptors change records before they are sent and see every outcome, in order")
    func producerInterceptors() async throws {
        final class Stamp: ProducerInterceptor {
            let name: String
            let seen = Mutex<[String]>([])
            init(_ name: String) { self.name = name }
            func onSend(_ record: ProducerRecord) -> ProducerRecord {
                var record = record
                record.headers.append(RecordHeader(key: "stamp", value: Array(name.utf8)))
                seen.withLock { $0.append("send \(record.headers.count)") }
                return record
            }
            func onAcknowledgement(_ record: ProducerRecord, result: Result<RecordMetadata, KafkaError>) {
                seen.withLock { $0.append((try? result.get()).map { "ack @\($0.offset)" } ?? "failed") }
            }
            func onDeliveryFailure(_ failure: ProducerRecordFailure) {
                seen.withLock { $0.append("lost \(failure.topic)") }
            }
        }
        let topic = try TestCluster.topic("pinterceptor", partitions: 1)
        let first = Stamp("a")
        let second = Stamp("b")
        let producer = try KafkaProducer(
            configuration: TestCluster.producerConfig(["message.timeout.ms": "1500", "retries": "0"]),
            interceptors: [first, second])
        let metadata = try await producer.send(ProducerRecord(topic: topic, value: "x"))
        #expect(first.seen.withLock { $0 } == ["send 1", "ack @\(metadata.offset)"])
        #expect(
            second.seen.withLock { $0 } == ["send 2", "ack @\(metadata.offset)"], "the second sees the first's change")
        // A topic the producer has not looked up yet, refused by the broker: the record is lost.
        let refused = try TestCluster.topic("prefused", partitions: 1)
        TestCluster.shared.setTopicError(refused, .topicAuthorizationFailed)
        try await producer.sendAndForget(ProducerRecord(topic: refused, value: "y"))
        try await waitUntil("the fire-and-forget failure", observed: { "\(first.seen.withLock { $0 })" }) {
            first.seen.withLock { $0.last } == "lost \(refused)"
        }
        TestCluster.shared.setTopicError(refused, .noError)
        await producer.close()
        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: TestCluster.unique("pi")))
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var records: [ConsumerRecord] = []
        try await waitUntil("the sent record") {
            records += try await consumer.poll(maxRecords: 10, timeout: .milliseconds(100))
            return !records.isEmpty
        }
        await consumer.close()
        #expect(records[0].headers.map(\.key) == ["stamp", "stamp"])
    }

    @Test("sending after close fails with .closed")
    func closedProducer() async throws {
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        await producer.close()
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerRecord(topic: "t", value: "x"))
        }
        #expect(error?.kind == .closed)
    }
}

/// The log-end offset of a partition, from the broker (ListOffsets through the admin client).
func logEndOffset(_ topic: String, _ partition: Int32) async throws -> Int64 {
    let admin = try KafkaAdmin(configuration: TestCluster.shared.configuration())
    let lag = try await admin.groupLag(group: TestCluster.unique("wm"), topics: [topic])
    await admin.close()
    return try #require(lag.first { $0.topicPartition.partition == partition }).logEndOffset
}
