import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

@Suite(
    "External listener settings override the declared ones, or fail startup naming the key", .timeLimit(.minutes(10)))
struct ListenerOverridesTests {
    func declarations(_ ids: String...) -> [any ListenerDeclaration] {
        ids.map { id in Listen(id, topics: "t-\(id)") { (value: String, _) in _ = value } }
    }

    @Test("environment variables, by declared id: concurrency, ack mode with count and time, batch size, properties")
    func environment() throws {
        let overrides = ListenerOverrides(environment: [
            "KAFKA_LISTENERS_ORDER_EVENTS_CONCURRENCY": "4",
            "KAFKA_LISTENERS_ORDER_EVENTS_ACK_MODE": "count-time",
            "KAFKA_LISTENERS_ORDER_EVENTS_ACK_COUNT": "10",
            "KAFKA_LISTENERS_ORDER_EVENTS_ACK_TIME": "5s",
            "KAFKA_LISTENERS_ORDER_MAX_POLL_RECORDS": "25",
            "KAFKA_LISTENERS_ORDER_AUTO_STARTUP": "false",
            "KAFKA_LISTENERS_ORDER_PROPERTIES_FETCH_MIN_BYTES": "2",
            "UNRELATED": "x",
        ])
        let app = try KafkaApplication(
            applicationConfiguration(), overrides: overrides, declarations: declarations("order-events", "order"))
        let events = app.listeners[0].endpoint
        #expect(events.concurrency == 4 && events.ackMode == .countTime(10, .seconds(5)))
        let order = app.listeners[1].endpoint
        #expect(
            order.maxPollRecords == 25 && !order.autoStartup && order.consumerProperties == ["fetch.min.bytes": "2"])
        #expect(order.concurrency == 1 && order.ackMode == .batch)
    }

    @Test("a JSON file, Spring Boot style keys; later sources win")
    func json() throws {
        let json =
            #"{"kafka": {"listeners": {"orders": {"concurrency": 2, "ack-mode": "manual-immediate", "paused": true, "properties": {"fetch.wait.max.ms": 50}}}}}"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(kafka.unique("overrides")).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let overrides = try ListenerOverrides(jsonFile: file.path)
            .merging(ListenerOverrides(environment: ["KAFKA_LISTENERS_ORDERS_CONCURRENCY": "3"]))
        let app = try KafkaApplication(
            applicationConfiguration(), overrides: overrides, declarations: declarations("orders"))
        let orders = app.listeners[0]
        #expect(orders.endpoint.concurrency == 3 && orders.endpoint.ackMode == .manualImmediate && orders.pausedAtStart)
        #expect(orders.endpoint.consumerProperties == ["fetch.wait.max.ms": "50"])
    }

    @Test(
        "invalid values and unknown ids fail, naming the key and the allowed values",
        arguments: [
            (
                ["KAFKA_LISTENERS_ORDERS_ACK_MODE": "sometimes"], "KAFKA_LISTENERS_ORDERS_ACK_MODE",
                "allowed values: record, batch, time, count, count-time, manual, manual-immediate"
            ),
            (
                ["KAFKA_LISTENERS_ORDERS_CONCURRENCY": "zero"], "KAFKA_LISTENERS_ORDERS_CONCURRENCY",
                "expected an integer ≥ 1"
            ),
            (
                ["KAFKA_LISTENERS_ORDERS_AUTO_STARTUP": "yes"], "KAFKA_LISTENERS_ORDERS_AUTO_STARTUP",
                "allowed values: true, false"
            ),
            (["KAFKA_LISTENERS_ORDERS_COLOUR": "red"], "KAFKA_LISTENERS_ORDERS_COLOUR", "unknown setting 'colour'"),
            (["KAFKA_LISTENERS_ORDERS_ACK_MODE": "count"], "KAFKA_LISTENERS_ORDERS_ACK_MODE", "needs ack-count"),
            (
                ["KAFKA_LISTENERS_ORDERS_ACK_COUNT": "5"], "KAFKA_LISTENERS_ORDERS_ACK_COUNT",
                "ack mode batch uses neither ack-count nor ack-time"
            ),
            (
                ["KAFKA_LISTENERS_PAYMENTS_CONCURRENCY": "2"], "KAFKA_LISTENERS_PAYMENTS_CONCURRENCY",
                "declared ids as they appear in variable names: ORDERS"
            ),
        ])
    func invalid(environment: [String: String], key: String, reason: String) throws {
        let error = #expect(throws: ListenerOverrideError.self) {
            try KafkaApplication(
                applicationConfiguration(), overrides: ListenerOverrides(environment: environment),
                declarations: declarations("orders"))
        }
        #expect(error?.key == key)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("an unknown id in a file names the file key and the declared ids")
    func unknownIdInFile() throws {
        let error = #expect(throws: ListenerOverrideError.self) {
            try KafkaApplication(
                applicationConfiguration(),
                overrides: try ListenerOverrides(json: Data(#"{"payments": {"concurrency": 2}}"#.utf8)),
                declarations: declarations("orders"))
        }
        #expect(error?.key == "kafka.listeners.payments.concurrency")
        #expect(error?.reason.contains("declared: orders") == true)
    }

    @Test("KAFKA_LISTENERS_<ID>_CONCURRENCY=4 in the process environment gives the running listener 4 children")
    func environmentConcurrencyRuns() async throws {
        let topic = try await kafka.topic("envconc", partitions: 4)
        let id = kafka.unique("envconc")
        let variable = "KAFKA_LISTENERS_\(id.uppercased().replacingOccurrences(of: "-", with: "_"))_CONCURRENCY"
        setenv(variable, "4", 1)
        defer { unsetenv(variable) }
        func declare() -> [any ListenerDeclaration] {
            [Listen(id, topics: topic, concurrency: 1) { (value: String, _) in _ = value }]
        }
        let plain = try KafkaApplication(applicationConfiguration(), declarations: declare())
        #expect(plain.registry.container(id: id)?.children.count == 1, "without overrides: the declared concurrency")

        let overridden = try KafkaApplication(
            applicationConfiguration(), overrides: ListenerOverrides(environment: ProcessInfo.processInfo.environment),
            declarations: declare())
        try await overridden.start()
        try await waitSettled(overridden.registry, id)
        let children = overridden.registry.status.first { $0.id == id }?.children ?? []
        await overridden.stop()
        #expect(children.map(\.id) == (0..<4).map { "\(id)-\($0)" })
        #expect(children.allSatisfy { $0.isRunning && $0.assignedPartitions.count == 1 })
    }
}
