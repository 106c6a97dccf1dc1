import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersAdmin
import KafkaListenersTesting
import Prometheus
import Synchronization
import Testing

/// swift-metrics allows one bootstrap per process: every test in this process shares this registry.
let prometheus = PrometheusExport.bootstrap()

/// The body of `GET /metrics`, fetched with the real `curl`.
func scrapeMetrics(port: Int) async throws -> String {
    let curl = try ChildProcess(
        executable: AdminFixture.curlPath, arguments: ["-s", "-S", "-f", "http://127.0.0.1:\(port)/metrics"],
        environment: ["PATH": "/usr/bin:/bin"])
    try await waitUntil("curl /metrics finishes", timeout: .seconds(30), observed: { curl.errorText }) {
        curl.isFinished
    }
    try #require(curl.exitCode == 0, "curl failed: \(curl.errorText)")
    return curl.text
}

/// The value of the sample `name{labels}` in a Prometheus text body (labels in any order), if present.
func sample(_ body: String, _ name: String, _ labels: [String: String]) -> Double? {
    for line in body.split(separator: "\n") where line.hasPrefix(name + "{") {
        guard let close = line.lastIndex(of: "}") else { continue }
        let labelText = line[line.index(line.startIndex, offsetBy: name.count + 1)..<close]
        var found: [String: String] = [:]
        for pair in labelText.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            found[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        if labels.allSatisfy({ found[$0.key] == $0.value }) {
            return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
        }
    }
    return nil
}

@Suite("Prometheus /metrics on the admin server", .timeLimit(.minutes(10)))
struct MetricsEndpointTests {
    @Test(
        "a scrape during a run shows records handled and the consumer lag moving, with listener, container, topic and partition labels"
    )
    func recordsAndLag() async throws {
        // Bootstrap before the containers create their instruments.
        let metrics = prometheus
        let topic = try await kafka.topic("metrics", partitions: 1)
        let registry = ListenerRegistry(
            baseConfiguration: kafka.configuration([
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "statistics.interval.ms": "100",
            ]))
        // Manual acks: records whose value starts with "hold" are handled but never acknowledged, so the lag stays.
        try registry.register(
            ListenerEndpoint(
                id: "metered", selection: .topics([topic]),
                listener: .record { record, context in
                    if record.valueString?.hasPrefix("hold") != true { context.acknowledgment.acknowledge() }
                }, groupId: kafka.unique("metrics"), ackMode: .manual))
        try await registry.startAll()
        let server = ListenerAdminServer(
            registry: registry, pauses: PauseService(registry: registry),
            configuration: .init(port: 0, metrics: metrics))
        let task = Task { try await server.run() }
        let port = try await server.port(timeout: .seconds(60))
        let child = ["listener": "metered", "listener_container": "metered-0"]
        let partition = child.merging(["topic": topic, "partition": "0"]) { $1 }

        try await waitUntil("assigned", timeout: .seconds(60), observed: { "\(registry.status)" }) {
            !registry.status[0].children[0].assignedPartitions.isEmpty
        }
        try await kafka.produce(5, to: topic, valuePrefix: "ack-")
        var body = ""
        try await waitUntil("5 records handled and a lag of 0", timeout: .seconds(30), observed: { body }) {
            body = try await scrapeMetrics(port: port)
            return sample(body, "kafka_listener_records_total", child) == 5
                && sample(body, "kafka_listener_consumer_lag", partition) == 0
        }
        #expect(body.contains("# TYPE kafka_listener_records_total counter"))
        #expect(body.contains("# TYPE kafka_listener_consumer_lag gauge"))
        #expect(sample(body, "kafka_listener_commits_total", child).map { $0 >= 1 } == true, "\(body)")

        try await kafka.produce(7, to: topic, valuePrefix: "hold-")
        try await waitUntil("12 records handled and a lag of 7", timeout: .seconds(30), observed: { body }) {
            body = try await scrapeMetrics(port: port)
            return sample(body, "kafka_listener_records_total", child) == 12
                && sample(body, "kafka_listener_consumer_lag", partition) == 7
        }
        #expect(
            !body.contains("{container=\"") && !body.contains(",container=\""),
            "no label named container (Prometheus' Kubernetes discovery sets it): \(body)")
        #expect(body.contains("# TYPE kafka_listener_commit_duration_seconds histogram"), "\(body)")

        // A stopped container no longer owns the partition: its lag gauge is gone from the scrape.
        await registry.stopAll()
        body = try await scrapeMetrics(port: port)
        #expect(sample(body, "kafka_listener_consumer_lag", partition) == nil, "\(body)")
        #expect(sample(body, "kafka_listener_records_total", child) == 12, "counters stay")
        task.cancel()
        _ = try? await task.value
    }
}
