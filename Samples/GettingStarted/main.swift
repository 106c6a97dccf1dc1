import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import ServiceLifecycle

// 1. A payload type: Codable, carried as JSON.
struct Order: JSONPayload {
    var id: Int
    var amount: Int
}

// 2. A listener as a type (or declare it inline with `Listen`, below).
struct InvoiceListener: RecordListener {
    var endpoint: EndpointDescription { EndpointDescription(id: "invoices", topics: "orders", ackMode: .record) }

    func onRecord(_ record: TypedRecord<String?, Order>, context: ListenerContext) async throws {
        print("invoice for order \(record.value.id) (key \(record.key ?? "none"))")
    }
}

// 3. A broker: KAFKA_BOOTSTRAP_SERVERS, or an embedded one for trying things out.
let logger = Logger(label: "getting-started")
let embedded: EmbeddedKafka?
let servers: String
if let given = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"] {
    (embedded, servers) = (nil, given)
} else {
    let broker = try await EmbeddedKafka.start()
    try broker.createTopic("orders", partitions: 3)
    (embedded, servers) = (broker, broker.bootstrapServers)
}

// 4. Every listener in one block; KAFKA_LISTENERS_<ID>_<SETTING> variables override the settings.
let app = try KafkaApplication(
    KafkaConfiguration(bootstrapServers: servers),
    overrides: ListenerOverrides(environment: ProcessInfo.processInfo.environment)
) {
    Listen("orders", topics: "orders", concurrency: 3, ackMode: .manual) { (order: Order, context) in
        print("order \(order.id): \(order.amount)")
        context.acknowledgment.acknowledge()
    }
    InvoiceListener()
}

// 5. Something to consume.
let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: servers))
for id in 1...3 {
    try await producer.sendAndForget(
        .encoding(topic: "orders", key: "customer-\(id)", value: Order(id: id, amount: 10 * id)))
}
try await producer.flush()
await producer.close()

// 6. Run until SIGINT/SIGTERM (Ctrl-C): the listeners stop gracefully and commit.
try await ServiceGroup(
    configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
).run()
await embedded?.stop()
