import Foundation
import KafkaClient
import Metrics

/// The swift-metrics instruments of one child container, labelled with the listener and child ids.
///
/// Names follow Prometheus' conventions (counters end in `_total`, durations are in seconds and say so):
/// `kafka_listener_records_total`, `kafka_listener_failures_total`, `kafka_listener_commits_total`,
/// `kafka_listener_commits_failed_total`, `kafka_listener_commit_duration_seconds` (timer),
/// `kafka_listener_poll_batch_size` (recorder), `kafka_listener_retries_total`, `kafka_listener_recovered_total`,
/// `kafka_listener_recovery_failures_total`, `kafka_listener_throttle_delay_seconds` (gauge). Dimensions:
/// `listener` and `listener_container` (not `container`, which Prometheus' Kubernetes discovery sets). With
/// `statistics.interval.ms` set, `kafka_listener_consumer_lag` (gauge) per `topic` and `partition` too, for the
/// partitions assigned now: a partition's gauge is removed when it is revoked or lost and when the container stops.
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
    /// The consumer-lag gauges of the assigned partitions.
    let lag: LagGauges

    init(listenerId: String, containerId: String) {
        let dimensions = [("listener", listenerId), ("listener_container", containerId)]
        lag = LagGauges(dimensions: dimensions)
        records = Counter(label: "kafka_listener_records_total", dimensions: dimensions)
        failures = Counter(label: "kafka_listener_failures_total", dimensions: dimensions)
        commits = Counter(label: "kafka_listener_commits_total", dimensions: dimensions)
        commitsFailed = Counter(label: "kafka_listener_commits_failed_total", dimensions: dimensions)
        commitDuration = Timer(label: "kafka_listener_commit_duration_seconds", dimensions: dimensions)
        pollBatchSize = Recorder(label: "kafka_listener_poll_batch_size", dimensions: dimensions)
        retries = Counter(label: "kafka_listener_retries_total", dimensions: dimensions)
        recovered = Counter(label: "kafka_listener_recovered_total", dimensions: dimensions)
        recoveryFailures = Counter(label: "kafka_listener_recovery_failures_total", dimensions: dimensions)
        throttleDelay = Gauge(label: "kafka_listener_throttle_delay_seconds", dimensions: dimensions)
    }

    /// Records the consumer lag of each partition in `assigned` from a librdkafka statistics document, and removes
    /// the gauges of partitions no longer assigned.
    func recordLag(statistics json: String, assigned: Set<TopicPartition>) {
        lag.record(Self.consumerLag(statistics: json).filter { assigned.contains($0.key) }, assigned: assigned)
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
