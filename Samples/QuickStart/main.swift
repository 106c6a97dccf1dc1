// QuickStart: the README's `make demo`. An embedded Kafka broker, a producer, and listeners declared the three
// ways — builder components in a `KafkaApplication` block, protocol conformances and a `@KafkaListener`
// method — with external settings (`KAFKA_LISTENERS_<ID>_<SETTING>` environment variables), a live progress
// line and a summary table.
//
//   orders     builder, record listener, TypedRecord<String, Order>, concurrency 3, manual acks
//   audit      builder, batch listener on the pattern audit-.*, [Order] values
//   shipping   RecordListener protocol, ack mode record
//   payments   MultiPayloadListener: Payment and Refund handlers, one record is not JSON (reported, skipped)
//   invoicing  @KafkaListener method in a @KafkaListeners type, concurrency 2, ack mode count(100)
//
// Try `KAFKA_LISTENERS_ORDERS_CONCURRENCY=6 make demo`, or `swift run QuickStart --asyncapi` for the AsyncAPI document.
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersMacros
import KafkaListenersTesting
import Logging

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}

let orderCount = 5_000
let kafka = try await EmbeddedKafka.start()
for (topic, partitions) in [("orders", 6), ("audit-eu", 2), ("audit-us", 2), ("payments", 3)] as [(String, Int32)] {
    try kafka.createTopic(topic, partitions: partitions)
}
let printDocument = CommandLine.arguments.contains("--asyncapi")
if !printDocument {
    print("EmbeddedKafka at \(kafka.bootstrapServers); topics orders(6), audit-eu(2), audit-us(2), payments(3)")
}

let tally = Tally()
// A short session: a rebalance waits for a member that left at most this long.
let configuration = kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
let app = try KafkaApplication(
    configuration, overrides: ListenerOverrides(environment: ProcessInfo.processInfo.environment)
) {
    Listen("orders", topics: "orders", concurrency: 3, ackMode: .manual) {
        (order: TypedRecord<String, Order>, context) in
        tally.add(context.listenerId)
        context.acknowledgment.acknowledge()
    }
    ListenBatch("audit", pattern: "audit-.*") { (orders: [Order], context) in
        tally.add(context.listenerId, orders.count)
    }
    .maxPollRecords(200)
    ShippingListener(tally: tally)
    PaymentsListener(tally: tally)
    InvoicingListeners(tally: tally)
}
if printDocument {
    // `swift run QuickStart --asyncapi`: the AsyncAPI 3 document of these listeners, then exit.
    print(app.asyncAPI(title: "QuickStart", version: "1.0.0", servers: [("embedded", kafka.bootstrapServers)]))
    await kafka.stop()
    exit(0)
}
let failures = app.registry.events.subscribe()
let failureCounter = Task {
    for await event in failures {
        if case .listenerFailed(let tp, let offset, let error) = event.kind {
            tally.fail(event.listenerId)
            print("\n  \(event.listenerId) skipped \(tp)@\(offset): \(error)")
        }
    }
}

try await app.start()
print(
    "listeners: "
        + app.listeners.map { "\($0.endpoint.id) ×\($0.endpoint.concurrency) (\($0.endpoint.ackMode))" }.joined(
            separator: ", "))

// Wait for every group to settle before producing: a rebalance that happens while records flow re-delivers some
// (at-least-once), and EmbeddedKafka refuses commits while a group rebalances.
let partitionsOf = ["orders": 6, "audit": 4, "shipping": 6, "payments": 3, "invoicing": 6]
func settled() -> Bool {
    app.registry.status.allSatisfy { listener in
        let partitions = partitionsOf[listener.id] ?? 0
        let assigned = listener.children.map(\.assignedPartitions.count)
        return assigned.reduce(0, +) == partitions
            && assigned.filter { $0 > 0 }.count == min(listener.children.count, partitions)
    }
}
print("waiting for the consumer groups to settle (a group's first join takes ~3 s)…")
let settleStart = ContinuousClock.now
while !settled() && ContinuousClock.now - settleStart < .seconds(30) { try await Task.sleep(for: .milliseconds(100)) }

let producing = ContinuousClock.now
let producer = try KafkaProducer(configuration: kafka.configuration(["linger.ms": "5"]))
for i in 0..<orderCount {
    let order = Order(id: i, customer: "customer-\(i % 100)", amount: 10 + i % 90)
    try await producer.sendAndForget(.encoding(topic: "orders", key: order.customer, value: order))
    try await producer.sendAndForget(.encoding(topic: i.isMultiple(of: 2) ? "audit-eu" : "audit-us", value: order))
    if i.isMultiple(of: 10) {
        try await producer.sendAndForget(
            .encoding(topic: "payments", key: order.customer, value: Payment(orderId: i, amount: order.amount)))
    }
    if i.isMultiple(of: 50) {
        try await producer.sendAndForget(
            .encoding(
                topic: "payments", value: Refund(orderId: i, reason: "damaged"),
                headers: [RecordHeader(key: "__TypeId__", string: "refund")]))
    }
}
try await producer.sendAndForget(ProducerRecord(topic: "payments", value: Array("not json".utf8)))
try await producer.flush()
await producer.close()
let paymentCount = orderCount / 10 + orderCount / 50
print(
    "produced \(orderCount) orders, \(orderCount) audit records, \(paymentCount) payments and refunds, 1 malformed payment"
)

let expected = [
    "orders": orderCount, "audit": orderCount, "shipping": orderCount, "payments": paymentCount,
    "invoicing": orderCount,
]
func progress() -> String {
    expected.keys.sorted().map { "\($0) \(String(tally.handled($0)).leftPadded(5))" }.joined(separator: "   ")
}
let started = ContinuousClock.now
while expected.contains(where: { tally.handled($0.key) < $0.value }) || tally.failed("payments") < 1 {
    if ContinuousClock.now - started > .seconds(120) {
        print("\ngave up waiting after 120 s")
        break
    }
    print("\r" + progress(), terminator: "")
    fflush(nil)
    try await Task.sleep(for: .milliseconds(200))
}
print("\r" + progress())
let elapsed = ContinuousClock.now - producing
await app.stop()
failureCounter.cancel()

print(
    "\n" + "listener".rightPadded(11) + "declared as".rightPadded(22) + "children".leftPadded(8)
        + "handled".leftPadded(9) + "failed".leftPadded(8) + "committed".leftPadded(11))
let styles = [
    "orders": "builder (record)", "audit": "builder (batch)", "shipping": "RecordListener",
    "payments": "MultiPayloadListener",
    "invoicing": "@KafkaListener",
]
for declared in app.listeners {
    let endpoint = declared.endpoint
    let topics: [String: Int32] =
        switch endpoint.selection {
        case .pattern: ["audit-eu": 2, "audit-us": 2]
        default: endpoint.id == "payments" ? ["payments": 3] : ["orders": 6]
        }
    var committed: Int64 = 0
    let reader = try KafkaConsumer(configuration: kafka.configuration(["group.id": endpoint.effectiveGroupId]))
    for (topic, partitions) in topics {
        committed += try await reader.committed((0..<partitions).map { TopicPartition(topic, $0) }).reduce(0) {
            $0 + max($1.offset.rawValue, 0)
        }
    }
    await reader.close()
    let children = app.registry.container(id: endpoint.id)?.children.count ?? 0
    print(
        endpoint.id.rightPadded(11) + (styles[endpoint.id] ?? "").rightPadded(22) + String(children).leftPadded(8)
            + String(tally.handled(endpoint.id)).leftPadded(9) + String(tally.failed(endpoint.id)).leftPadded(8)
            + String(committed).leftPadded(11))
}
if app.listeners.contains(where: { tally.handled($0.endpoint.id) > (expected[$0.endpoint.id] ?? 0) }) {
    print("(handled > committed: records re-delivered after a rebalance — at-least-once delivery)")
}
print("produced and handled in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
await kafka.stop()

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func rightPadded(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
