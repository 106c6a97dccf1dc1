import KafkaClient
import KafkaListenersTesting
import Logging
import Synchronization
import Testing

@Suite("librdkafka's log lines reach swift-log", .timeLimit(.minutes(10)))
struct LibrdkafkaLogTests {
    @Test("a refused connection is logged at error level, with the client's name and the facility")
    func refusedConnection() async throws {
        let handler = LogCapture(level: .trace)
        var logger = Logger(label: "test.librdkafka") { _ in handler }
        logger.logLevel = .info
        // Nothing listens on port 1: librdkafka logs the refused connection from its broker thread.
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), logger: logger)
        try await waitUntil(
            "a FAIL line", timeout: .seconds(20), observed: { "\(handler.lines.withLock { $0.map(\.message) })" }
        ) {
            handler.lines.withLock { $0.contains { $0.metadata["librdkafka.facility"] == "FAIL" } }
        }
        let line = try #require(handler.lines.withLock { $0.first { $0.metadata["librdkafka.facility"] == "FAIL" } })
        #expect(line.level == .error)
        #expect(line.message.contains("Connection refused"))
        #expect(line.metadata["kafka.client"] == producer.name)
        #expect(
            handler.lines.withLock { $0.allSatisfy { $0.level >= .info } },
            "debug lines are dropped by the logger's level")
        await producer.close()
    }
}
