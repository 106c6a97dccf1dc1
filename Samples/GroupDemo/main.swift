// GroupDemo: EmbeddedKafka, 10,000 keyed records on a 6-partition topic, a group of two consumers.
// Prints which consumer read each partition, how many records, and the committed offsets.
import Foundation
import KafkaClient
import KafkaListenersTesting
import Logging
import Synchronization

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

let recordCount = 10_000
let topic = "demo-orders"
let group = "demo-group"

/// Per-partition counts and the last processed offset, shared by both consumers' loops.
final class Tally: Sendable {
    struct Entry {
        var owner = ""
        var count = 0
        var lastOffset: Int64 = -1
    }
    let entries = Mutex<[TopicPartition: Entry]>([:])
    let stop = Atomic<Bool>(false)
    var total: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// One group member: polls on its own thread and commits after each batch (and on revoke).
func runMember(_ name: String, bootstrap: String, tally: Tally) async throws {
    var config = KafkaConfiguration(bootstrapServers: bootstrap)
    config.groupId = group
    config.clientId = name
    config.autoOffsetReset = .earliest
    config.enableAutoCommit = false
    let consumer = try KafkaConsumer(configuration: config) { event, session in
        guard event.kind == .revoked else { return }
        // Commit what was processed before the partitions move on.
        let offsets = tally.entries.withLock { entries in
            event.partitions.compactMap { tp in
                entries[tp].flatMap {
                    $0.lastOffset >= 0 ? TopicPartitionOffset(tp, KafkaOffset($0.lastOffset + 1)) : nil
                }
            }
        }
        try? session.commit(offsets)
    }
    try await consumer.subscribe(topics: [topic])
    while !tally.stop.load(ordering: .relaxed) {
        let offsets: [TopicPartitionOffset] = try await consumer.withSession { session in
            var last: [TopicPartition: Int64] = [:]
            try session.poll(maxRecords: 500, timeout: .milliseconds(100)) { record in
                last[record.topicPartition] = record.offset
            }
            return last.map { TopicPartitionOffset($0.key, KafkaOffset($0.value + 1)) }
        }
        guard !offsets.isEmpty else { continue }
        try await consumer.commit(offsets)
        tally.entries.withLock { entries in
            for offset in offsets {
                var entry = entries[offset.topicPartition] ?? .init()
                entry.owner = name
                entry.count += Int(offset.offset.rawValue - 1 - max(entry.lastOffset, -1))
                entry.lastOffset = offset.offset.rawValue - 1
                entries[offset.topicPartition] = entry
            }
        }
    }
    await consumer.close()
}

let kafka = try await EmbeddedKafka.start(brokers: 1)
try kafka.createTopic(topic, partitions: 6)
print("EmbeddedKafka running at \(kafka.bootstrapServers); topic '\(topic)' has 6 partitions")

let producer = try KafkaProducer(configuration: kafka.configuration(["linger.ms": "5"]))
for i in 0..<recordCount {
    try await producer.sendAndForget(ProducerRecord(topic: topic, key: "customer-\(i % 100)", value: "order-\(i)"))
}
try await producer.flush()
await producer.close()
print("produced \(recordCount) keyed records")

let tally = Tally()
let started = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { members in
    let bootstrap = kafka.bootstrapServers
    for name in ["consumer-a", "consumer-b"] {
        members.addTask { try await runMember(name, bootstrap: bootstrap, tally: tally) }
    }
    members.addTask {
        let deadline = ContinuousClock.now + .seconds(90)
        while tally.total < recordCount {
            if ContinuousClock.now > deadline {
                tally.stop.store(true, ordering: .relaxed)
                throw KafkaError(
                    kind: .timedOut, message: "only \(tally.total) of \(recordCount) records consumed",
                    operation: "run the demo")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        tally.stop.store(true, ordering: .relaxed)
    }
    try await members.waitForAll()
}
print("consumed \(tally.total) records in \(ContinuousClock.now - started) (including the group's ~3 s first join)\n")

// Read the committed offsets back from the broker with a fresh member of the group.
let reader = try KafkaConsumer(configuration: kafka.configuration(["group.id": group]))
let committed = try await reader.committed((0..<6).map { TopicPartition(topic, $0) })
await reader.close()

print("partition  consumer     records  committed offset")
let entries = tally.entries.withLock { $0 }
for entry in committed.sorted(by: { $0.topicPartition < $1.topicPartition }) {
    let tallied = entries[entry.topicPartition] ?? .init()
    let line = [
        String(entry.topicPartition.partition).padding(toLength: 11, withPad: " ", startingAt: 0),
        tallied.owner.padding(toLength: 13, withPad: " ", startingAt: 0),
        String(tallied.count).padding(toLength: 9, withPad: " ", startingAt: 0),
        entry.offset.description,
    ]
    print(line.joined())
}
print(
    "total      \(String(tally.total).padding(toLength: 22, withPad: " ", startingAt: 0))\(committed.reduce(0) { $0 + max($1.offset.rawValue, 0) })"
)
await kafka.stop()
