import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("A record that does not deserialize is reported with its bytes and skipped", .timeLimit(.minutes(10)))
struct DeserializationFailureTests {
    @Test(
        "typed record listener: the bad record's raw bytes are kept, the next record is handled, the offset is committed"
    )
    func recordListener() async throws {
        let topic = try await kafka.topic("deser", partitions: 1)
        let id = kafka.unique("deser")
        let sink = TypedSink()
        let declared = Listen(id, topics: topic, ackMode: .record) { (record: TypedRecord<String, Order>, context) in
            sink.add(record, context)
        }
        // The declared listener function, wrapped to see what it throws (the container only logs it).
        guard case .record(let typed) = declared.endpoint.listener else {
            Issue.record("not a record listener")
            return
        }
        var endpoint = declared.endpoint
        endpoint.listener = .record { record, context in
            do { try await typed(record, context) } catch {
                sink.failures.withLock { $0.append(error) }
                throw error
            }
        }
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        try registry.register(endpoint)

        let garbage: [UInt8] = [0x7B, 0x22, 0xFF, 0x00]
        try await produceRaw([
            try .encoding(topic: topic, key: "a", value: Order(id: 1, item: "first")),
            ProducerRecord(topic: topic, key: Array("b".utf8), value: garbage),
            try .encoding(topic: topic, key: "c", value: Order(id: 3, item: "after")),
        ])
        try await registry.startAll()
        try await waitUntil("the record after the bad one handled", observed: { "\(sink.orders.withLock { $0 })" }) {
            sink.orders.withLock { $0.contains { $0.id == 3 } }
        }
        await registry.stopAll()

        #expect(sink.orders.withLock { $0.map(\.id) } == [1, 3])
        let failures = sink.failures.withLock { $0 }
        #expect(failures.count == 1)
        let error = try #require(failures.first as? DeserializationError)
        #expect(error.topic == topic && error.partition == 0 && error.offset == 1 && error.part == .value)
        #expect(error.rawValue == garbage && error.rawKey == Array("b".utf8))
        #expect(error.targetType == "Order")
        let failedEvents = recorder.events { if case .listenerFailed(_, offset: 1, _) = $0 { true } else { false } }
        #expect(failedEvents.count == 1, "the container's failure path reported offset 1")
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 1) == [3])
    }

    @Test("typed batch listener: good records of the batch are handled, the bad one is reported with its bytes")
    func batchListener() async throws {
        let topic = try await kafka.topic("deserbatch", partitions: 1)
        let id = kafka.unique("deserbatch")
        let handled = Mutex<[Int]>([])
        let thrown = Mutex<[any Error]>([])
        let declared = ListenBatch(id, topics: topic) { (orders: [Order], _) in
            handled.withLock { $0 += orders.map(\.id) }
        }
        guard case .batch(let typed) = declared.endpoint.listener else {
            Issue.record("not a batch listener")
            return
        }
        var endpoint = declared.endpoint
        endpoint.listener = .batch { records, context in
            do { try await typed(records, context) } catch {
                thrown.withLock { $0.append(error) }
                throw error
            }
        }
        let registry = makeRegistry()
        try registry.register(endpoint)
        try await produceRaw([
            try .encoding(topic: topic, value: Order(id: 1, item: "x")),
            ProducerRecord(topic: topic, value: Array("not json".utf8)),
            try .encoding(topic: topic, value: Order(id: 3, item: "y")),
        ])
        try await registry.startAll()
        try await waitUntil("both good records", observed: { "\(handled.withLock { $0 })" }) {
            handled.withLock { $0.count } >= 2
        }
        await registry.stopAll()
        #expect(handled.withLock { $0 } == [1, 3])
        let batchError = try #require(thrown.withLock { $0 }.first as? BatchDeserializationError)
        #expect(batchError.failures.map(\.offset) == [1])
        #expect(batchError.failures.first?.rawValue == Array("not json".utf8))
    }
}
