import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Synchronization
import Testing

final class Seen: Sendable {
    let values = Mutex<[String]>([])
    func add(_ text: String) { values.withLock { $0.append(text) } }
    var all: [String] { values.withLock { $0 } }
}

struct Refund: JSONPayload, Hashable {
    var refundId: String
    var amount: Int
}

/// Spring's class-level listener with one handler per payload type.
struct PaymentsListener: MultiPayloadListener {
    let id: String
    let topic: String
    let seen: Seen

    var endpoint: EndpointDescription { EndpointDescription(id: id, topics: topic) }

    var handlers: [PayloadHandler] {
        PayloadHandler(Refund.self, typeId: "refund") { refund, _ in seen.add("refund \(refund.refundId)") }
        PayloadHandler(Order.self) { order, _ in seen.add("order \(order.id)") }
        PayloadHandler.fallback { record, _ in seen.add("other @\(record.offset)") }
    }
}

/// A protocol listener with a static endpoint description.
struct StaticAuditListener: BatchListener, StaticEndpoint {
    static let endpoint = EndpointDescription(id: "static-audit", pattern: "audit-.*", concurrency: 2)

    func onBatch(_ records: [TypedRecord<Int64?, Order>], context: ListenerContext) async throws {}
}

@Suite("Result builders declare listeners; modifiers and overrides set their endpoints", .timeLimit(.minutes(10)))
struct BuilderTests {
    @Test("if, else and for declare exactly the listeners they should; modifiers apply to what they wrap")
    func controlFlowAndModifiers() throws {
        let regions = ["eu", "us"]
        let withAudit = false
        let app = try KafkaApplication(applicationConfiguration()) {
            Listen("orders", topics: "orders", concurrency: 3, ackMode: .manual) { (order: Order, _) in _ = order }
                .commitMode(.async)
                .consumerProperty("fetch.min.bytes", "1")
                .shutdownTimeout(.seconds(3))
            for region in regions {
                ListenBatch("audit-\(region)", pattern: "audit-\(region)-.*") { (records: [ConsumerRecord], _) in
                    _ = records
                }
            }
            if withAudit {
                Listen("never", topics: "never") { (record: ConsumerRecord, _) in _ = record }
            } else {
                ListenerGroup {
                    Listen("billing", topics: "billing") { (value: String, _) in _ = value }
                    Listen("shipping", topics: "shipping") { (value: Int64, _) in _ = value }
                }
                .groupId("back-office")
                .maxPollRecords(50)
                .autoStartup(false)
                .pausedAtStart()
            }
        }
        let byId = Dictionary(uniqueKeysWithValues: app.listeners.map { ($0.endpoint.id, $0) })
        #expect(app.listeners.map(\.endpoint.id) == ["orders", "audit-eu", "audit-us", "billing", "shipping"])
        let orders = try #require(byId["orders"]).endpoint
        #expect(orders.concurrency == 3 && orders.ackMode == .manual && orders.commitMode == .async)
        #expect(orders.consumerProperties == ["fetch.min.bytes": "1"] && orders.shutdownTimeout == .seconds(3))
        #expect(byId["audit-us"]?.endpoint.selection == .pattern("audit-us-.*"))
        #expect(byId["audit-us"]?.endpoint.listener.isBatch == true)
        for id in ["billing", "shipping"] {
            let declared = try #require(byId[id])
            #expect(declared.endpoint.groupId == "back-office" && declared.endpoint.maxPollRecords == 50)
            #expect(!declared.endpoint.autoStartup && declared.pausedAtStart)
            #expect(app.registry.container(id: id)?.children.allSatisfy(\.isPauseRequested) == true)
        }
        #expect(byId["orders"]?.endpoint.groupId == nil && byId["orders"]?.pausedAtStart == false)
        #expect(app.registry.listenerIds == app.listeners.map(\.endpoint.id))
    }

    @Test("policy modifiers: per-partition ordering, error handler, interceptors and filters land on the endpoint")
    func policyModifiers() throws {
        let app = try KafkaApplication(applicationConfiguration()) {
            Listen("keyed", topics: "keyed") { (value: String, _) in _ = value }
                .perPartition(ordering: .key, maxConcurrency: 64)
                .errorHandler(ErrorHandler(backOff: .fixed(.seconds(1), maxAttempts: 3)))
                .filter(ackDiscarded: false) { $0.key != nil }
                .consumerInterceptor(OddDropper())
        }
        let endpoint = try #require(app.listeners.first).endpoint
        #expect(endpoint.perPartition == PerPartitionOptions(ordering: .key, maxConcurrency: 64))
        #expect(endpoint.errorHandler.backOff.delay(attempt: 2, elapsed: .zero) == .seconds(1))
        #expect(endpoint.errorHandler.backOff.delay(attempt: 3, elapsed: .zero) == nil)
        #expect(endpoint.interceptors.record.count == 1 && endpoint.interceptors.record[0].acknowledgesSkipped == false)
        #expect(endpoint.interceptors.consumer.count == 1)
        #expect(app.registry.container(id: "keyed")?.children[0].isPerPartition == true)
    }

    @Test(
        "a protocol listener with a static endpoint: its settings, its message description, and modifiers on an instance"
    )
    func staticEndpoint() throws {
        let app = try KafkaApplication(applicationConfiguration()) {
            StaticAuditListener()
            StaticAuditListener().groupId("second").concurrency(1).modifier(
                SettingModifier { $0.endpoint.id = "static-audit-2" })
        }
        let first = app.listeners[0].endpoint
        #expect(
            first.id == "static-audit" && first.selection == .pattern("audit-.*") && first.concurrency == 2
                && first.listener.isBatch)
        #expect(app.listeners[0].messages.map(\.name) == ["Order"])
        #expect(app.listeners[0].messages.first?.key == .nullable(.integer(format: "int64")))
        let second = app.listeners[1].endpoint
        #expect(second.id == "static-audit-2" && second.groupId == "second" && second.concurrency == 1)
    }

    @Test("explicit deserializers by name declare a typed listener and its message")
    func explicitDeserializers() throws {
        let app = try KafkaApplication(applicationConfiguration()) {
            Listen("ledger", topics: "ledger", key: .int64, value: .json(Order.self)) {
                (record: TypedRecord<Int64, Order>, _) in _ = record
            }
        }
        #expect(app.listeners.first?.messages.map(\.name) == ["Order"])
        #expect(app.listeners.first?.messages.first?.key == .integer(format: "int64"))
    }

    @Test("a duplicate id across declaration styles fails when the application is built")
    func duplicateIds() throws {
        #expect(throws: ListenerError.duplicateListenerId("twice")) {
            try KafkaApplication(applicationConfiguration()) {
                Listen("twice", topics: "a") { (value: String, _) in _ = value }
                Listen("twice", topics: "b") { (record: ConsumerRecord, _) in _ = record }
            }
        }
    }

    @Test(
        "one listener, several payload types: the type header picks the handler, else the first type that decodes, else the fallback"
    )
    func multiPayload() async throws {
        let topic = try await kafka.topic("payments", partitions: 1)
        let id = kafka.unique("payments")
        let seen = Seen()
        try await produceRaw([
            try .encoding(
                topic: topic, value: Refund(refundId: "r1", amount: 5),
                headers: [RecordHeader(key: "__TypeId__", string: "refund")]),
            try .encoding(topic: topic, value: Order(id: 2, item: "x")),
            try .encoding(topic: topic, value: Refund(refundId: "r3", amount: 1)),
            ProducerRecord(topic: topic, value: Array("plain text".utf8)),
        ])
        let app = try KafkaApplication(applicationConfiguration()) {
            PaymentsListener(id: id, topic: topic, seen: seen)
        }
        try await app.start()
        try await waitUntil("4 records routed", observed: { "\(seen.all)" }) { seen.all.count >= 4 }
        await app.stop()
        #expect(seen.all == ["refund r1", "order 2", "refund r3", "other @3"])
    }
}
