import KafkaClient
import KafkaListeners
import KafkaListenersMacros
import KafkaListenersTesting
import Testing

/// The same listener — id, topic, concurrency 2, ack mode `record`, `TypedRecord<String, Order>` — declared
/// as a protocol conformance, a builder component or a `@KafkaListener` method.
struct ProtocolOrderListener: RecordListener {
    let id: String
    let topic: String
    let sink: TypedSink

    var endpoint: EndpointDescription { EndpointDescription(id: id, topics: topic, concurrency: 2, ackMode: .record) }

    func onRecord(_ record: TypedRecord<String, Order>, context: ListenerContext) async throws {
        sink.add(record, context)
    }
}

/// The same listener with the annotation. Macro arguments are constants, so its id and topic are fixed per
/// test process (unique names, made once).
@KafkaListeners
struct MacroOrderListener {
    static let id = kafka.unique("orders-macro")
    static let topic = kafka.unique("styles-macro")
    let sink: TypedSink

    @KafkaListener(id: MacroOrderListener.id, topics: MacroOrderListener.topic, concurrency: 2, ackMode: .record)
    func onOrder(_ record: TypedRecord<String, Order>, context: ListenerContext) async throws {
        sink.add(record, context)
    }
}

enum DeclarationStyle: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case protocolConformance
    case builder
    case macro

    var testDescription: String { rawValue }

    func declaration(id: String, topic: String, sink: TypedSink) -> any ListenerDeclaration {
        switch self {
        case .protocolConformance:
            ProtocolOrderListener(id: id, topic: topic, sink: sink)
        case .builder:
            Listen(id, topics: topic, concurrency: 2, ackMode: .record) {
                (record: TypedRecord<String, Order>, context) in
                sink.add(record, context)
            }
        case .macro:
            MacroOrderListener(sink: sink)
        }
    }

    /// The listener id and a new topic for this style.
    func names() async throws -> (id: String, topic: String) {
        if self == .macro {
            try await kafka.createTopic(MacroOrderListener.topic, partitions: 4)
            return (MacroOrderListener.id, MacroOrderListener.topic)
        }
        return (kafka.unique("orders"), try await kafka.topic("styles", partitions: 4))
    }
}

@Suite("A listener behaves the same however it is declared", .timeLimit(.minutes(10)))
struct DeclarationStylesTests {
    @Test(
        "protocol, builder and macro declarations: same endpoint, same records, same commits",
        arguments: DeclarationStyle.allCases)
    func sameBehaviour(style: DeclarationStyle) async throws {
        let (id, topic) = try await style.names()
        let sink = TypedSink()
        let app = try KafkaApplication(
            applicationConfiguration(), declarations: [style.declaration(id: id, topic: topic, sink: sink)])

        let endpoint = try #require(app.listeners.first?.endpoint)
        #expect(app.listeners.count == 1)
        #expect(app.listeners.first?.messages.map(\.name) == ["Order"], "each style describes its payload for AsyncAPI")
        #expect(
            endpoint.id == id && endpoint.selection == .topics([topic]) && endpoint.concurrency == 2
                && endpoint.ackMode == .record)

        try await app.start()
        try await waitSettled(app.registry, id)
        try await produceOrders(60, to: topic)
        try await waitUntil("60 orders handled", observed: { "\(sink.count)" }) { sink.count >= 60 }
        await app.stop()

        #expect(Set(sink.orders.withLock { $0 }) == Set((0..<60).map { Order(id: $0, item: "item-\($0)") }))
        #expect(sink.count == 60, "the settled group handles each record once")
        #expect(Set(sink.keys.withLock { $0 }) == Set((0..<5).map { "customer-\($0)" }))
        #expect(sink.containers.withLock { $0 }.isSubset(of: ["\(id)-0", "\(id)-1"]))
        let committed = try await committedOffsets(group: id, topic: topic, partitions: 4)
        #expect(
            committed.map { max($0, 0) }.reduce(0, +) == 60, "committed \(committed) (-1: a partition without records)")
    }
}
