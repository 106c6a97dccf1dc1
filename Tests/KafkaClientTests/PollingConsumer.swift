import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization

/// A process-wide sequence so events from different consumers can be ordered.
let eventSequence = Atomic<Int>(0)

/// What a ``PollingConsumer`` saw, in order.
struct PollingState: Sendable {
    var records: [ConsumerRecord] = []
    var events: [(sequence: Int, event: RebalanceEvent)] = []
    var assignment: Set<TopicPartition> = []
    var polls = 0
}

/// A test consumer with a background poll loop (on the consumer's own thread, via `withSession`),
/// recording every record and rebalance event. `onRevoke` runs inside the rebalance handler.
final class PollingConsumer: Sendable {
    /// The shared mutable parts, in a class so closures can capture them.
    final class Shared: Sendable {
        let state = Mutex(PollingState())
        let running = Atomic<Bool>(true)
        let loop = Mutex<Task<Void, Never>?>(nil)
    }

    let consumer: KafkaConsumer
    let shared = Shared()
    let label: String

    init(
        _ label: String, configuration: KafkaConfiguration,
        onRevoke: (@Sendable (RebalanceEvent, ConsumerSession, [ConsumerRecord]) -> Void)? = nil
    ) throws {
        self.label = label
        let shared = self.shared
        consumer = try KafkaConsumer(configuration: configuration) { event, session in
            let sequence = eventSequence.add(1, ordering: .relaxed).newValue
            let records: [ConsumerRecord] = shared.state.withLock { s in
                s.events.append((sequence, event))
                switch event.kind {
                case .assigned: s.assignment.formUnion(event.partitions)
                case .revoked, .lost: s.assignment.subtract(event.partitions)
                }
                return s.records
            }
            if event.kind != .assigned { onRevoke?(event, session, records) }
        }
    }

    /// Subscribes and starts the poll loop.
    func start(topics: [String]) async throws {
        try await consumer.subscribe(topics: topics)
        startLoop()
    }

    func startLoop() {
        let consumer = self.consumer
        let shared = self.shared
        let task = Task {
            while shared.running.load(ordering: .relaxed) {
                do {
                    let batch = try await consumer.withSession {
                        try $0.poll(maxRecords: 200, timeout: .milliseconds(50))
                    }
                    shared.state.withLock {
                        $0.records += batch
                        $0.polls += 1
                    }
                } catch {
                    break
                }
            }
        }
        shared.loop.withLock { $0 = task }
    }

    func stopLoop() async {
        shared.running.store(false, ordering: .relaxed)
        await shared.loop.withLock { $0 }?.value
    }

    func close() async {
        await stopLoop()
        await consumer.close()
    }

    var snapshot: PollingState { shared.state.withLock { $0 } }
    var recordCount: Int { shared.state.withLock { $0.records.count } }
    var assignment: Set<TopicPartition> { shared.state.withLock { $0.assignment } }
}

/// Produces `count` keyed string records (`key-<i % keys>`, `value-<i>`) and waits for every delivery.
func produce(_ count: Int, to topic: String, keys: Int = 50, partition: Int32? = nil) async throws {
    try await TestKafka.shared.produce(count, to: topic, keys: keys, partition: partition)
}
