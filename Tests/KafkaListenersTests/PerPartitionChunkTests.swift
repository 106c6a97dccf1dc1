import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// A lane of a `partition`-ordered per-partition container takes up to 64 records at once: a seek or a nack from
/// inside the listener must also stop the rest of that chunk, or its records are handled and then handled again.
@Suite("Per-partition lanes: a seek or nack cuts the chunk a lane is running", .timeLimit(.minutes(3)))
struct PerPartitionChunkTests {
    @Test("a forward seek inside the listener: the records it moved past are never handled, the rest once each")
    func forwardSeekCutsTheChunk() async throws {
        let topic = try await kafka.topic("pp-chunk-seek", partitions: 1)
        try await kafka.produce(100, to: topic, partition: 0)
        let handled = Mutex<[Int64]>([])
        let sought = Atomic<Bool>(false)
        let group = kafka.unique("pp-chunk-seek")
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-chunk-seek", topic: topic, group: group, maxPollRecords: 500,
                listener: .record { record, context in
                    handled.withLock { $0.append(record.offset) }
                    if record.offset == 10, !sought.exchange(true, ordering: .relaxed) {
                        context.seek(record.topicPartition, to: 50)
                    }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await waitUntil("committed through 100", observed: { "handled \(handled.withLock { $0 })" }) {
            try await committedOffsets(group: group, topic: topic, partitions: 1) == [100]
        }
        await registry.stopAll()
        #expect(handled.withLock { $0 } == Array(0...10) + Array(50...99))
    }

    @Test("a nack inside the listener (manual acks): the nacked record comes again, every later record once")
    func nackCutsTheChunk() async throws {
        let topic = try await kafka.topic("pp-chunk-nack", partitions: 1)
        try await kafka.produce(100, to: topic, partition: 0)
        let handled = Mutex<[Int64]>([])
        let nacked = Atomic<Bool>(false)
        let group = kafka.unique("pp-chunk-nack")
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-chunk-nack", topic: topic, group: group, ackMode: .manual, maxPollRecords: 500,
                listener: .record { record, context in
                    handled.withLock { $0.append(record.offset) }
                    if record.offset == 10, !nacked.exchange(true, ordering: .relaxed) {
                        try context.acknowledgment.nack(sleep: .milliseconds(10))
                    } else {
                        context.acknowledgment.acknowledge()
                    }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await waitUntil("committed through 100", observed: { "handled \(handled.withLock { $0 })" }) {
            try await committedOffsets(group: group, topic: topic, partitions: 1) == [100]
        }
        await registry.stopAll()
        #expect(handled.withLock { $0 } == Array(0...10) + Array(10...99))
    }
}
