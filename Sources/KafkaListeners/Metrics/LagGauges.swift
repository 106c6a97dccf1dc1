import KafkaClient
import Metrics
import Synchronization

/// The consumer-lag gauges of one container, one per assigned partition: a partition's gauge exists while it is
/// assigned here and is destroyed (removed from the metrics backend) when it is revoked, lost or the container stops,
/// so a scrape never shows the lag of a partition another member consumes now.
final class LagGauges: Sendable {
    private let dimensions: [(String, String)]
    private let gauges = Mutex<[TopicPartition: Gauge]>([:])

    init(dimensions: [(String, String)]) {
        self.dimensions = dimensions
    }

    /// Records `lags`, and removes the gauges of partitions outside `assigned`.
    func record(_ lags: [TopicPartition: Int64], assigned: Set<TopicPartition>) {
        let stale = gauges.withLock { gauges -> [Gauge] in
            var stale: [Gauge] = []
            for tp in Array(gauges.keys) where !assigned.contains(tp) {
                if let gauge = gauges.removeValue(forKey: tp) { stale.append(gauge) }
            }
            for (tp, lag) in lags {
                let gauge =
                    gauges[tp]
                    ?? Gauge(
                        label: "kafka_listener_consumer_lag",
                        dimensions: dimensions + [("topic", tp.topic), ("partition", String(tp.partition))])
                gauges[tp] = gauge
                gauge.record(lag)
            }
            return stale
        }
        for gauge in stale { gauge.destroy() }
    }

    /// Removes the gauges of `partitions` (every partition for `nil`).
    func remove(_ partitions: [TopicPartition]?) {
        let removed = gauges.withLock { gauges -> [Gauge] in
            guard let partitions else {
                defer { gauges.removeAll() }
                return Array(gauges.values)
            }
            return partitions.compactMap { gauges.removeValue(forKey: $0) }
        }
        for gauge in removed { gauge.destroy() }
    }
}
