import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Consumer lag from librdkafka statistics", .timeLimit(.minutes(10)))
struct LagMetricTests {
    @Test("the lag parsed from real statistics follows the committed offset")
    func lagFollowsCommits() async throws {
        let topic = try await kafka.topic("lag", partitions: 1)
        try await kafka.produce(10, to: topic)
        let lags = Mutex<[Int64]>([])
        let consumer = try KafkaConsumer(
            configuration: kafka.consumerConfig(group: kafka.unique("lag"), ["statistics.interval.ms": "100"]),
            onStatistics: { json in
                if let lag = ListenerMetrics.consumerLag(statistics: json)[TopicPartition(topic, 0)] {
                    lags.withLock { $0.append(lag) }
                }
            })
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        try await consumer.commit([TopicPartitionOffset(topic, 0, 4)])
        try await waitUntil("a lag of 6 reported", observed: { "\(lags.withLock { $0 })" }) {
            _ = try await consumer.poll(maxRecords: 1, timeout: .milliseconds(20))
            return lags.withLock { $0.last } == 6
        }
        try await consumer.commit([TopicPartitionOffset(topic, 0, 10)])
        try await waitUntil("a lag of 0 reported", observed: { "\(lags.withLock { $0 })" }) {
            _ = try await consumer.poll(maxRecords: 1, timeout: .milliseconds(20))
            return lags.withLock { $0.last } == 0
        }
        await consumer.close()
    }
}
