import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// What the listener saw and asked for, in order.
private enum Step: CustomStringConvertible {
    case delivered(TopicPartition, Int64)
    /// The listener moved `tp` to `offset` (a seek, or a nack of the record at `offset`).
    case moved(TopicPartition, to: Int64)
    /// The partition was assigned (again): it starts at its committed offset, which may repeat records.
    case assigned(TopicPartition)

    var description: String {
        switch self {
        case .assigned(let tp): "\(tp.partition) assigned"
        case .delivered(let tp, let offset): "\(tp.partition)@\(offset)"
        case .moved(let tp, let offset): "\(tp.partition)→\(offset)"
        }
    }
}

/// Drives a sequential container with seeded random seeks, nacks and immediate pauses (of the container and of
/// partitions) from inside its listener, and checks what a user relies on: each partition's records arrive in
/// order, none twice and none skipped, except where a seek or a nack asked for it.
@Suite("Delivery order under seeks, nacks and immediate pauses (seeded)", .timeLimit(.minutes(5)))
struct DeliveryPropertyTests {
    static let perPartition: Int64 = 60

    @Test(
        "each partition's deliveries are contiguous except where a seek or nack moved them",
        arguments: Array(1...8) as [UInt64])
    func contiguousDeliveries(seed: UInt64) async throws {
        let topic = try await kafka.topic("delivery-\(seed)", partitions: 2)
        for partition: Int32 in 0..<2 {
            try await kafka.produce(Int(Self.perPartition), to: topic, partition: partition)
        }
        let steps = Mutex<[Step]>([])
        let random = Mutex(SplitMix64(seed: seed))
        let actionsLeft = Mutex(30)
        let child = Mutex<SingleContainer?>(nil)
        let last = Self.perPartition - 1
        let registry = makeRegistry()
        let endpoint = ListenerEndpoint(
            id: "delivery-\(seed)", selection: .topics([topic]),
            listener: .record { record, context in
                let tp = record.topicPartition
                steps.withLock { $0.append(.delivered(tp, record.offset)) }
                let (roll, amount) = random.withLock { ($0.next() % 100, Int64($0.next() % 6)) }
                let act =
                    roll < 25
                    && actionsLeft.withLock { left in
                        guard left > 0 else { return false }
                        left -= 1
                        return true
                    }
                guard act else {
                    context.acknowledgment.acknowledge()
                    return
                }
                switch roll {
                case 0..<7:
                    // Back (or to the record itself), so records are delivered again.
                    let target = max(0, record.offset - amount)
                    steps.withLock { $0.append(.moved(tp, to: target)) }
                    context.acknowledgment.acknowledge()
                    context.seek(tp, to: target)
                case 7..<10:
                    // Forward, so records are skipped.
                    let target = min(last, record.offset + 1 + amount)
                    steps.withLock { $0.append(.moved(tp, to: target)) }
                    context.acknowledgment.acknowledge()
                    context.seek(tp, to: target)
                case 10..<15:
                    steps.withLock { $0.append(.moved(tp, to: record.offset)) }
                    try context.acknowledgment.nack(sleep: .milliseconds(5))
                case 15..<20:
                    context.acknowledgment.acknowledge()
                    child.withLock { $0 }?.pause(until: .now + .milliseconds(5), immediate: true)
                default:
                    context.acknowledgment.acknowledge()
                    let other = TopicPartition(tp.topic, Int32(amount % 2))
                    child.withLock { $0 }?.pause(other, until: .now + .milliseconds(5), immediate: true)
                }
            }, ackMode: .manual, maxPollRecords: 7,
            rebalanceListener: RebalanceListener(assigned: { context in
                steps.withLock { steps in steps.append(contentsOf: context.partitions.map { .assigned($0) }) }
            }))
        let container = try registry.register(endpoint)
        child.withLock { $0 = container.children[0] }
        try await registry.startAll()
        func finished(_ partition: Int32) -> Bool {
            // The last record delivered after the last move of this partition.
            let seen = steps.withLock { $0 }
            let lastMove =
                seen.lastIndex { if case .moved(let tp, _) = $0 { tp.partition == partition } else { false } } ?? -1
            return seen[(lastMove + 1)...].contains {
                if case .delivered(let tp, let offset) = $0 {
                    tp.partition == partition && offset == last
                } else {
                    false
                }
            }
        }
        try await waitUntil(
            "both partitions delivered to the end", timeout: .seconds(60),
            observed: { "\(steps.withLock { $0 }.suffix(40))" }
        ) {
            finished(0) && finished(1)
        }
        var committed: [Int64] = []
        try await waitUntil(
            "everything committed", observed: { "committed \(committed) after \(steps.withLock { $0 })" }
        ) {
            committed = try await committedOffsets(group: "delivery-\(seed)", topic: topic, partitions: 2)
            return committed == [Self.perPartition, Self.perPartition]
        }
        await registry.stopAll()
        // The offset each partition's next delivery must have; after an assignment, any offset up to it (the
        // committed offset, at least once).
        var next: [Int32: Int64] = [0: 0, 1: 0]
        var reassigned: Set<Int32> = []
        for (index, step) in steps.withLock({ $0 }).enumerated() {
            switch step {
            case .assigned(let tp):
                reassigned.insert(tp.partition)
            case .moved(let tp, let target):
                next[tp.partition] = target
                reassigned.remove(tp.partition)
            case .delivered(let tp, let offset):
                let expected = next[tp.partition] ?? 0
                let allowed = reassigned.contains(tp.partition) ? offset <= expected : offset == expected
                #expect(
                    allowed, "seed \(seed), step \(index): \(tp.partition)@\(offset) delivered, \(expected) expected")
                next[tp.partition] = offset + 1
                reassigned.remove(tp.partition)
            }
        }
    }
}
