import Foundation
import KafkaClient
import Metrics

/// The swift-metrics instruments of one child container, labelled with the listener and child ids.
///
/// Names: `kafka_listener_records_total`, `kafka_listener_failures_total`, `kafka_listener_commits_total`,
/// `kafka_listener_commits_failed_total`, `kafka_listener_commit_duration` (timer),
/// `kafka_listener_poll_batch_size` (recorder), `kafka_listener_retries_total`, `kafka_listener_recovered_total`,
/// `kafka_listener_recovery_failures_total`, `kafka_listener_throttle_delay_ms` (gauge). Dimensions: `listener`, `container`. With
/// `statistics.interval.ms` set, `kafka_listener_consumer_lag` (gauge) per `topic` and `partition` too.
struct ListenerMetrics: Sendable {
    let records: Counter
    let failures: Counter
    let commits: Counter
    let commitsFailed: Counter
    let commitDuration: Timer
    let pollBatchSize: Recorder
    let retries: Counter
    let recovered: Counter
    let recoveryFailures: Counter
    let throttleDelay: Gauge

    let listenerId: String
    let containerId: String

    init(listenerId: String, containerId: String) {
        self.listenerId = listenerId
        self.containerId = containerId
        let dimensions = [("listener", listenerId), ("container", containerId)]
        records = Counter(label: "kafka_listener_records_total", dimensions: dimensions)
        failures = Counter(label: "kafka_listener_failures_total", dimensions: dimensions)
        commits = Counter(label: "kafka_listener_commits_total", dimensions: dimensions)
        commitsFailed = Counter(label: "kafka_listener_commits_failed_total", dimensions: dimensions)
        commitDuration = Timer(label: "kafka_listener_commit_duration", dimensions: dimensions)
        pollBatchSize = Recorder(label: "kafka_listener_poll_batch_size", dimensions: dimensions)
        retries = Counter(label: "kafka_listener_retries_total", dimensions: dimensions)
        recovered = Counter(label: "kafka_listener_recovered_total", dimensions: dimensions)
        recoveryFailures = Counter(label: "kafka_listener_recovery_failures_total", dimensions: dimensions)
        throttleDelay = Gauge(label: "kafka_listener_throttle_delay_ms", dimensions: dimensions)
    }

    /// Records each assigned partition's consumer lag from a librdkafka statistics document.
    func recordLag(statistics json: String) {
        for (tp, lag) in Self.consumerLag(statistics: json) {
            Gauge(
                label: "kafka_listener_consumer_lag",
                dimensions: [("listener", listenerId), ("container", containerId), ("topic", tp.topic), ("partition", String(tp.partition))]
            ).record(lag)
        }
    }

    /// The `consumer_lag` of every partition in a statistics document that reports one (≥ 0).
    static func consumerLag(statistics json: String) -> [TopicPartition: Int64] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let topics = root["topics"] as? [String: Any]
        else { return [:] }
        var result: [TopicPartition: Int64] = [:]
        for (topic, value) in topics {
            guard let partitions = (value as? [String: Any])?["partitions"] as? [String: Any] else { continue }
            for (key, partition) in partitions {
                guard let number = Int32(key), number >= 0, let fields = partition as? [String: Any],
                    let lag = (fields["consumer_lag"] as? NSNumber)?.int64Value, lag >= 0
                else { continue }
                result[TopicPartition(topic, number)] = lag
            }
        }
        return result
    }
}
