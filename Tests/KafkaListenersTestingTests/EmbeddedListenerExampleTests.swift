import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

let kafka = TestKafka.shared

@Suite("A listener run against EmbeddedKafka with the testing fixtures", .timeLimit(.minutes(2)))
struct EmbeddedListenerExampleTests {
    @Test("Produced records are handled and their offsets committed")
    func handledAndCommitted() async throws {
        let topic = try await kafka.topic("payments", partitions: 1)
        let group = kafka.unique("payments")
        let received = ReceivedRecords()
        let registry = ListenerRegistry(baseConfiguration: kafka.listenerConfiguration())
        _ = try registry.register(
            ListenerEndpoint(
                id: group, selection: .topics([topic]), listener: .record { record, _ in received.append(record) },
                ackMode: .record))
        try await registry.startAll()
        try await kafka.produce(10, to: topic)
        try await received.waitForCount(10)
        try await kafka.waitForCommitted([10], group: group, topic: topic)
        await registry.stopAll()
        #expect(received.all.map(\.offset) == Array(0..<10))
    }
}
