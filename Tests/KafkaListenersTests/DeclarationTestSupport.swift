import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Synchronization

/// Collects what typed listeners saw.
final class TypedSink: Sendable {
    let orders = Mutex<[Order]>([])
    let keys = Mutex<[String]>([])
    let containers = Mutex<Set<String>>([])
    let failures = Mutex<[any Error]>([])

    func add(_ record: TypedRecord<String, Order>, _ context: ListenerContext) {
        orders.withLock { $0.append(record.value) }
        keys.withLock { $0.append(record.key) }
        containers.withLock { _ = $0.insert(context.containerId) }
    }

    var count: Int { orders.withLock { $0.count } }
}

/// Produces JSON orders `0..<count` keyed `customer-<i % 5>` (or raw `values` as given) and waits for delivery.
func produceOrders(_ count: Int, to topic: String, start: Int = 0) async throws {
    let producer = try KafkaProducer(configuration: kafka.producerConfig())
    for i in start..<(start + count) {
        try await producer.sendAndForget(
            .encoding(topic: topic, key: "customer-\(i % 5)", value: Order(id: i, item: "item-\(i)")))
    }
    try await producer.flush(timeout: .seconds(30))
    await producer.close()
}

/// Produces raw records and waits for delivery.
func produceRaw(_ records: [ProducerRecord]) async throws {
    let producer = try KafkaProducer(configuration: kafka.producerConfig())
    for record in records { try await producer.sendAndForget(record) }
    try await producer.flush(timeout: .seconds(30))
    await producer.close()
}

/// The configuration applications in tests share.
func applicationConfiguration() -> KafkaConfiguration {
    kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "auto.offset.reset": "earliest"])
}

/// Waits until every child of listener `id` has partitions (the group settled).
func waitSettled(_ registry: ListenerRegistry, _ id: String) async throws {
    try await waitUntil("group \(id) settled", observed: { "\(registry.status)" }) {
        registry.container(id: id)?.status.allSatisfy { !$0.assignedPartitions.isEmpty } ?? false
    }
}
