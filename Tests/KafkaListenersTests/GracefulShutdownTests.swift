import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@Suite("Graceful shutdown of a real process", .timeLimit(.minutes(10)))
struct GracefulShutdownTests {
    /// The sample executable built beside the test bundle.
    static var sample: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "GracefulShutdown")
    }

    @Test("SIGTERM mid-stream: the sample exits 0 and every record it handled is committed")
    func sigtermCommitsEverythingHandled() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.sample.path),
            "build the GracefulShutdown sample first (swift build)")
        let topic = try await kafka.topic("sigterm", partitions: 3)
        let group = kafka.unique("sigterm")

        let child = try ChildProcess(
            executable: Self.sample.path, arguments: [topic, group],
            environment: ProcessInfo.processInfo.environment.merging(["KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrapServers]
            ) { $1 })
        func handled() -> [(Int32, Int64)] {
            child.text.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[0] == "handled", let p = Int32(parts[1]), let o = Int64(parts[2]) else {
                    return nil
                }
                return (p, o)
            }
        }
        // Produce once both children hold partitions: a join while records flow is a rebalance, and
        // librdkafka 2.0.2's mock refuses commits during one (what this test checks is the shutdown).
        try await waitUntil(
            "the sample's group settles", timeout: .seconds(60), observed: { child.text.suffix(200).description }
        ) {
            child.text.contains("ready")
        }
        try await kafka.produce(3000, to: topic)
        try await waitUntil(
            "the sample handles 200 records", timeout: .seconds(60), observed: { "\(handled().count) handled" }
        ) {
            handled().count >= 200
        }
        child.send(SIGTERM)
        try await waitUntil(
            "the sample exits", timeout: .seconds(60), observed: { "exit code: \(String(describing: child.exitCode))" }
        ) {
            child.exitCode != nil
        }
        try await waitUntil(
            "the sample's last words", timeout: .seconds(10), observed: { child.text.suffix(200).description }
        ) {
            child.text.contains("stopped gracefully")
        }
        #expect(child.exitCode == 0)

        let records = handled()
        #expect(records.count < 3000, "the signal must arrive mid-stream")
        var last: [Int32: Int64] = [:]
        for (partition, offset) in records { last[partition] = max(last[partition] ?? -1, offset) }
        let committed = try await committedOffsets(group: group, topic: topic, partitions: 3)
        for partition: Int32 in 0..<3 {
            let expected = (last[partition] ?? -1) + 1
            #expect(
                committed[Int(partition)] == (expected == 0 ? -1001 : expected),
                "partition \(partition): handled through \(expected - 1), committed \(committed[Int(partition)])")
        }
    }
}
