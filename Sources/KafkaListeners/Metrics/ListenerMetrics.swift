import Metrics

/// The swift-metrics instruments of one child container, labelled with the listener and child ids.
///
/// Names: `kafka_listener_records_total`, `kafka_listener_failures_total`, `kafka_listener_commits_total`,
/// `kafka_listener_commits_failed_total`, `kafka_listener_commit_duration` (timer),
/// `kafka_listener_poll_batch_size` (recorder). Dimensions: `listener`, `container`.
struct ListenerMetrics: Sendable {
    let records: Counter
    let failures: Counter
    let commits: Counter
    let commitsFailed: Counter
    let commitDuration: Timer
    let pollBatchSize: Recorder

    init(listenerId: String, containerId: String) {
        let dimensions = [("listener", listenerId), ("container", containerId)]
        records = Counter(label: "kafka_listener_records_total", dimensions: dimensions)
        failures = Counter(label: "kafka_listener_failures_total", dimensions: dimensions)
        commits = Counter(label: "kafka_listener_commits_total", dimensions: dimensions)
        commitsFailed = Counter(label: "kafka_listener_commits_failed_total", dimensions: dimensions)
        commitDuration = Timer(label: "kafka_listener_commit_duration", dimensions: dimensions)
        pollBatchSize = Recorder(label: "kafka_listener_poll_batch_size", dimensions: dimensions)
    }
}
