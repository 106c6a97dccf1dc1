import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

let kafka = TestKafka.shared

/// Collects what listeners handled and what containers emitted, for assertions.
final class Recorder: Sendable {
    struct Handled: Sendable, Hashable {
        var tp: TopicPartition
        var offset: Int64
        var container: String
    }

    let handled = Mutex<[Handled]>([])
    let events = Mutex<[ContainerEvent]>([])
    let batches = Mutex<[[ConsumerRecord]]>([])
    private let listening = Mutex<Task<Void, Never>?>(nil)

    /// Starts recording `registry`'s events.
    func record(_ bus: EventBus) {
        let stream = bus.subscribe()
        let task = Task { [weak self] in
            for await event in stream { self?.events.withLock { $0.append(event) } }
        }
        listening.withLock { $0 = task }
    }

    deinit { listening.withLock { $0 }?.cancel() }

    func note(_ record: ConsumerRecord, _ context: ListenerContext) {
        handled.withLock {
            $0.append(Handled(tp: record.topicPartition, offset: record.offset, container: context.containerId))
        }
    }

    var count: Int { handled.withLock { $0.count } }

    /// Commits seen in events, in order, for one partition.
    func commits(_ tp: TopicPartition) -> [Int64] {
        events.withLock { events in
            events.flatMap { event -> [Int64] in
                guard case .committed(let offsets) = event.kind else { return [] }
                return offsets.filter { $0.topicPartition == tp }.map(\.offset.rawValue)
            }
        }
    }

    func events(matching predicate: (ContainerEvent.Kind) -> Bool) -> [ContainerEvent] {
        events.withLock { $0.filter { predicate($0.kind) } }
    }

    /// How often each (partition, offset) was handled.
    var handledCounts: [TopicPartition: [Int64: Int]] {
        handled.withLock { list in
            var counts: [TopicPartition: [Int64: Int]] = [:]
            for h in list { counts[h.tp, default: [:]][h.offset, default: 0] += 1 }
            return counts
        }
    }
}

/// A registry on the shared cluster, with quick group settings.
func makeRegistry() -> ListenerRegistry {
    ListenerRegistry(baseConfiguration: kafka.listenerConfiguration())
}

/// The group's committed offsets, read with a fresh consumer.
func committedOffsets(group: String, topic: String, partitions: Int32) async throws -> [Int64] {
    try await kafka.committedOffsets(group: group, topic: topic, partitions: partitions)
}
