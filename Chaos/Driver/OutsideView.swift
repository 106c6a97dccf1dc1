import ChaosKit
import Foundation
import KafkaClient

/// The broker seen from outside the framework: the group's committed offsets and log ends (an admin client's
/// OffsetFetch and ListOffsets), and every offset the topic holds (a plain consumer, assigned without a group).
enum OutsideView {
    /// The committed offset and log end of every partition.
    static func lag(bootstrap: String, group: String, topic: String) async throws -> [GroupPartitionLag] {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        defer { Task { await admin.close() } }
        return try await admin.groupLag(group: group, topics: [topic], timeout: .seconds(10))
    }

    /// Every offset of every partition below its log end, read by a plain consumer.
    static func producedOffsets(bootstrap: String, topic: String, ends: [Int32: Int64]) async throws -> [Int32: [Int64]]
    {
        var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
        configuration["enable.auto.commit"] = "false"
        configuration["group.id"] = "chaos-outside-view"
        let consumer = try KafkaConsumer(configuration: configuration)
        var seen: [Int32: [Int64]] = [:]
        let wanted = ends.filter { $0.value > 0 }
        try await consumer.assign(wanted.keys.map { TopicPartitionOffset(TopicPartition(topic, $0), KafkaOffset(0)) })
        let done = await waitFor(seconds: 120) {
            for record in (try? await consumer.poll(maxRecords: 5000, timeout: .milliseconds(200))) ?? [] {
                seen[record.partition, default: []].append(record.offset)
            }
            return wanted.allSatisfy { partition, end in (seen[partition]?.last ?? -1) >= end - 1 }
        }
        await consumer.close()
        guard done else {
            throw DriverFailure("the plain consumer did not reach the log ends \(ends): \(seen.mapValues(\.count))")
        }
        return seen.mapValues { Array(Set($0)).sorted() }
    }
}

/// Produces `recordsPerSecond` records until stopped, keys `k0` … `k49`.
final class RateProducer: Sendable {
    private let producer: KafkaProducer
    private let topic: String

    init(bootstrap: String, topic: String) throws {
        producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap))
        self.topic = topic
    }

    /// Produces at the rate for `seconds`, in ticks of 100 ms; returns how many records were enqueued.
    func run(recordsPerSecond: Int, seconds: Double) async throws -> Int {
        let perTick = max(recordsPerSecond / 10, 1)
        let ticks = Int(seconds * 10)
        let start = ContinuousClock.now
        var sent = 0
        for tick in 0..<ticks {
            for _ in 0..<perTick {
                try await producer.sendAndForget(
                    ProducerRecord(topic: topic, key: "k\(sent % 50)", value: "chaos-\(sent)"))
                sent += 1
            }
            try await Task.sleep(until: start + .milliseconds(100 * (tick + 1)))
        }
        return sent
    }

    /// Waits for every enqueued record's delivery, then closes.
    func finish() async throws {
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
    }
}
