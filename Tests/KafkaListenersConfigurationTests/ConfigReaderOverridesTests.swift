import Configuration
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersConfiguration
import KafkaListenersTesting
import SystemPackage
import Testing

@Suite("Listener settings through swift-configuration", .timeLimit(.minutes(10)))
struct ConfigReaderOverridesTests {
    func declarations() -> [any ListenerDeclaration] {
        ["orders", "audit"].map { id in Listen(id, topics: "t-\(id)") { (value: String, _) in _ = value } }
    }

    func build(_ reader: ConfigReader) throws -> KafkaApplication {
        try KafkaApplication(
            TestKafka.shared.configuration(), overrides: ListenerOverrides(reader: reader), declarations: declarations()
        )
    }

    @Test("environment variables through EnvironmentVariablesProvider, first provider wins over a JSON file")
    func environmentOverJSON() async throws {
        let json =
            #"{"kafka": {"listeners": {"orders": {"concurrency": 2, "ack-mode": "count", "ack-count": 20}, "audit": {"max-poll-records": 10, "properties": ["fetch.wait.max.ms=50"]}}}}"#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(TestKafka.shared.unique("config")).json"
        ).path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: ["KAFKA_LISTENERS_ORDERS_CONCURRENCY": "4"]),
            try await FileProvider<JSONSnapshot>(filePath: FilePath(path)),
        ])
        let app = try build(reader)
        #expect(app.listeners[0].endpoint.concurrency == 4 && app.listeners[0].endpoint.ackMode == .count(20))
        #expect(app.listeners[1].endpoint.maxPollRecords == 10)
        #expect(app.listeners[1].endpoint.consumerProperties == ["fetch.wait.max.ms": "50"])
        #expect(app.registry.container(id: "orders")?.children.count == 4)
    }

    @Test("an invalid ack mode fails startup, naming the key and the allowed values")
    func invalidAckMode() throws {
        let reader = ConfigReader(
            provider: EnvironmentVariablesProvider(environmentVariables: [
                "KAFKA_LISTENERS_AUDIT_ACK_MODE": "eventually"
            ]))
        let error = #expect(throws: ListenerOverrideError.self) { try build(reader) }
        #expect(error?.key == "kafka.listeners.audit.ack-mode")
        #expect(error?.reason == "allowed values: record, batch, time, count, count-time, manual, manual-immediate")
    }
}

@Suite("Listener settings from a YAML file", .timeLimit(.minutes(10)))
struct YAMLOverridesTests {
    @Test("a YAML file through FileProvider<YAMLSnapshot>, same keys as JSON")
    func yaml() async throws {
        let yaml = """
            kafka:
              listeners:
                orders:
                  concurrency: 3
                  ack-mode: time
                  ack-time: 2s
                  paused: true
                  properties:
                    - fetch.min.bytes=64
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(TestKafka.shared.unique("config")).yaml"
        ).path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = ConfigReader(provider: try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
        let app = try KafkaApplication(
            TestKafka.shared.configuration(), overrides: ListenerOverrides(reader: reader),
            declarations: [Listen("orders", topics: "orders") { (value: String, _) in _ = value }])
        let orders = app.listeners[0]
        #expect(
            orders.endpoint.concurrency == 3 && orders.endpoint.ackMode == .time(.seconds(2)) && orders.pausedAtStart)
        #expect(orders.endpoint.consumerProperties == ["fetch.min.bytes": "64"])
    }
}
