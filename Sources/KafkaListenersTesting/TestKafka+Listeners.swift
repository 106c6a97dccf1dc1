import KafkaClient
import KafkaListeners

extension TestKafka {
    /// A registry's base configuration for this cluster with quick group settings (6 s session, 500 ms
    /// heartbeats), so a stopped member's partitions move on quickly; `extra` is laid over it.
    public func listenerConfiguration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"].merging(extra) { $1 })
    }

    /// The offsets `group` committed for partitions `0..<partitions` of `topic` (each the next offset to read;
    /// negative when none is committed), read with a consumer of its own.
    public func committedOffsets(group: String, topic: String, partitions: Int32) async throws -> [Int64] {
        let consumer = try KafkaConsumer(configuration: configuration(["group.id": group]))
        do {
            let committed = try await consumer.committed((0..<partitions).map { TopicPartition(topic, $0) })
            await consumer.close()
            return committed.map(\.offset.rawValue)
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Waits until `group` committed `expected` for partitions `0..<expected.count` of `topic`; fails after
    /// `timeout` with the offsets last read.
    public func waitForCommitted(
        _ expected: [Int64], group: String, topic: String, timeout: Duration = .seconds(30)
    ) async throws {
        var last: [Int64] = []
        try await waitUntil(
            "group '\(group)' committed \(expected) on '\(topic)'", timeout: timeout, interval: .milliseconds(100),
            observed: { "\(last)" }
        ) {
            last = try await committedOffsets(group: group, topic: topic, partitions: Int32(clamping: expected.count))
            return last == expected
        }
    }
}
