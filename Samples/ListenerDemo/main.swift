// ListenerDemo: three listeners on EmbeddedKafka, the README's demo.
//   orders  – record listener, concurrency 3 (children orders-0…2), ack mode batch
//   audit   – batch listener, its own group, paused until 'orders' is done, then resumed
//   billing – record listener, manual acknowledgment
// Produces 10,000 keyed records to a 6-partition topic and prints progress, events and a summary.
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import Synchronization

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

let total = 10_000
let topic = "orders"
let kafka = try await EmbeddedKafka.start()
try kafka.createTopic(topic, partitions: 6)
print("EmbeddedKafka at \(kafka.bootstrapServers), topic '\(topic)' with 6 partitions")

/// Records handled per listener.
final class Counts: Sendable {
    let values = Mutex<[String: Int]>([:])
    func add(_ id: String, _ n: Int = 1) { values.withLock { $0[id, default: 0] += n } }
    subscript(id: String) -> Int { values.withLock { $0[id] ?? 0 } }
}
let counts = Counts()

let registry = ListenerRegistry(baseConfiguration: kafka.configuration())
try registry.register(
    ListenerEndpoint(
        id: "orders", selection: .topics([topic]),
        listener: .record { _, context in
            counts.add(context.listenerId)
        }, concurrency: 3, ackMode: .batch))
try registry.register(
    ListenerEndpoint(
        id: "audit", selection: .topics([topic]),
        listener: .batch { records, context in
            counts.add(context.listenerId, records.count)
        }, ackMode: .batch))
try registry.register(
    ListenerEndpoint(
        id: "billing", selection: .topics([topic]),
        listener: .record { _, context in
            counts.add(context.listenerId)
            context.acknowledgment.acknowledge()
        }, ackMode: .manual))

let events = registry.events.subscribe()
let eventPrinter = Task {
    for await event in events {
        switch event.kind {
        case .partitionsAssigned(let tps) where !tps.isEmpty:
            print("  event: \(event.containerId) assigned \(tps.map { "p\($0.partition)" }.joined(separator: ","))")
        case .paused(let tps, let reason, _):
            print("  event: \(event.containerId) paused \(tps.count) partitions (\(reason))")
        case .resumed(let tps): print("  event: \(event.containerId) resumed \(tps.count) partitions")
        default: break
        }
    }
}

try await registry.startAll()
try registry.pause("audit")
print("paused 'audit': it keeps its partitions and polls, but receives nothing until resumed")
let producer = try KafkaProducer(configuration: kafka.configuration(["linger.ms": "5"]))
for i in 0..<total {
    try await producer.sendAndForget(ProducerRecord(topic: topic, key: "customer-\(i % 200)", value: "order-\(i)"))
}
try await producer.flush()
await producer.close()
print("produced \(total) records; listening (the groups' first join takes ~3 s)…")

let started = ContinuousClock.now
var auditResumed = false
while ["orders", "audit", "billing"].contains(where: { counts[$0] < total }) {
    if ContinuousClock.now - started > .seconds(120) {
        print("gave up waiting after 120 s")
        break
    }
    if !auditResumed && counts["orders"] == total {
        auditResumed = true
        print("\n'orders' is done while 'audit' handled \(counts["audit"]) records; resuming 'audit'")
        try registry.resume("audit")
    }
    print(
        String(format: "\rorders %5d   audit %5d   billing %5d", counts["orders"], counts["audit"], counts["billing"]),
        terminator: "")
    fflush(nil)
    try await Task.sleep(for: .milliseconds(200))
}
print(String(format: "\rorders %5d   audit %5d   billing %5d", counts["orders"], counts["audit"], counts["billing"]))
await registry.stopAll()
eventPrinter.cancel()

print("\nlistener  handled  committed  children (partitions)")
for status in registry.status {
    let reader = try KafkaConsumer(configuration: kafka.configuration(["group.id": status.id]))
    let committed = try await reader.committed((0..<6).map { TopicPartition(topic, $0) })
    await reader.close()
    let sum = committed.reduce(Int64(0)) { $0 + max($1.offset.rawValue, 0) }
    let children = registry.container(id: status.id)!.children.map(\.id).joined(separator: ", ")
    print(
        "\(status.id.padding(toLength: 10, withPad: " ", startingAt: 0))\(String(counts[status.id]).padding(toLength: 9, withPad: " ", startingAt: 0))\(String(sum).padding(toLength: 11, withPad: " ", startingAt: 0))\(children)"
    )
}
await kafka.stop()
