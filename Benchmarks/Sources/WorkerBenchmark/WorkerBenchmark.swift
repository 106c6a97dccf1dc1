import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import Synchronization

/// Per-partition containers against the single container, in one run on EmbeddedKafka: a listener that
/// awaits 1 ms per record (I/O-like) and a no-op listener. See Benchmarks/README.md.
@main
struct WorkerBenchmark {
    static let partitions: Int32 = 6

    /// One way of running the endpoint.
    struct Side: Sendable {
        var name: String
        var perPartition: PerPartitionOptions?
    }

    static let sides: [Side] = [
        Side(name: "single container", perPartition: nil),
        Side(name: "per-partition", perPartition: PerPartitionOptions(ordering: .partition)),
        Side(
            name: "key ordering, 1,000 keys, max 64",
            perPartition: PerPartitionOptions(ordering: .key, maxConcurrency: 64)),
        Side(name: "unordered, max 64", perPartition: PerPartitionOptions(ordering: .unordered, maxConcurrency: 64)),
    ]

    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("WorkerBenchmark failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let sleepRecords = Int(environment["BENCH_SLEEP_RECORDS"] ?? "") ?? 20_000
        let noopRecords = Int(environment["BENCH_NOOP_RECORDS"] ?? "") ?? 180_000
        let rounds = Int(environment["BENCH_ROUNDS"] ?? "") ?? 2
        let cluster = try await EmbeddedKafka.start(brokers: 1)
        defer { Task { await cluster.stop() } }
        try cluster.createTopic("sleep", partitions: partitions)
        try cluster.createTopic("noop", partitions: partitions)
        try await produce(cluster, topic: "sleep", records: sleepRecords, keys: 1_000)
        try await produce(cluster, topic: "noop", records: noopRecords, keys: 1_000)
        progress("produced \(sleepRecords) + \(noopRecords) records on \(partitions) partitions")

        var sleepRuns: [String: [Double]] = [:]
        var noopRuns: [String: [Double]] = [:]
        for round in 1...rounds {
            for side in sides {
                let rate = try await measure(cluster, topic: "sleep", records: sleepRecords, side: side, round: round) {
                    try await Task.sleep(for: .milliseconds(1))
                }
                sleepRuns[side.name, default: []].append(rate)
                progress("round \(round), 1 ms listener, \(side.name): \(Int(rate)) records/s")
            }
            for side in sides.prefix(2) {
                let rate = try await measure(cluster, topic: "noop", records: noopRecords, side: side, round: round) {}
                noopRuns[side.name, default: []].append(rate)
                progress("round \(round), no-op listener, \(side.name): \(Int(rate)) records/s")
            }
        }
        print(
            report(
                sleepRuns: sleepRuns, noopRuns: noopRuns, sleepRecords: sleepRecords, noopRecords: noopRecords,
                rounds: rounds))
        await cluster.stop()
    }

    /// Runs one side over every record of `topic` (explicit assignment from offset 0, so no group join is
    /// timed) and returns records per second from the first record handled to the last.
    static func measure(
        _ cluster: EmbeddedKafka, topic: String, records: Int, side: Side, round: Int,
        work: @escaping @Sendable () async throws -> Void
    ) async throws -> Double {
        var logger = Logger(label: "bench.workers")
        logger.logLevel = .warning
        var extra: [String: String] = [:]
        // BENCH_CONF="key=value,key=value": extra consumer settings, to try fetch settings.
        for pair in (ProcessInfo.processInfo.environment["BENCH_CONF"] ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { extra[parts[0]] = parts[1] }
        }
        let registry = ListenerRegistry(baseConfiguration: cluster.configuration(extra), logger: logger)
        let tally = Tally(target: records)
        try registry.register(
            ListenerEndpoint(
                id: "bench", selection: .partitions((0..<partitions).map { TopicPartitionOffset(topic, $0, 0) }),
                listener: .record { _, _ in
                    tally.enter()
                    try await work()
                    tally.add()
                }, groupId: "bench-\(topic)-\(round)-\(side.name.hashValue.magnitude)", maxPollRecords: 500,
                perPartition: side.perPartition.map { options in
                    var options = options
                    if let size = ProcessInfo.processInfo.environment["BENCH_BUFFER"].flatMap(Int.init) {
                        options.bufferSize = size
                    }
                    return options
                }))
        try await registry.startAll()
        let elapsed = try await tally.wait(deadline: .seconds(600))
        await registry.stopAll()
        progress("  peak concurrency \(tally.peak.load(ordering: .relaxed))")
        return Double(records - 1) / elapsed.seconds
    }

    static func produce(_ cluster: EmbeddedKafka, topic: String, records: Int, keys: Int) async throws {
        var logger = Logger(label: "bench.producer")
        logger.logLevel = .warning
        let producer = try KafkaProducer(
            configuration: cluster.configuration(["linger.ms": "5", "queue.buffering.max.messages": "1000000"]),
            logger: logger)
        let value = [UInt8](repeating: 0x61, count: 100)
        for index in 0..<records {
            try await producer.sendAndForget(
                ProducerRecord(topic: topic, key: Array("key-\(index % keys)".utf8), value: value))
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()
    }

    static func report(
        sleepRuns: [String: [Double]], noopRuns: [String: [Double]], sleepRecords: Int, noopRecords: Int, rounds: Int
    ) -> String {
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let single = median(sleepRuns[sides[0].name]!)
        var lines = [
            "## Per-partition containers (EmbeddedKafka, \(partitions) partitions, median of \(rounds) rounds)",
            "",
            "Listener awaiting 1 ms per record (`Task.sleep`), \(sleepRecords) records:",
            "",
            "| side | records/s | × single | goal |",
            "| --- | ---: | ---: | ---: |",
        ]
        let goals = ["", "≥ 5×", "≥ 30×", "≥ 40×"]
        for (index, side) in sides.enumerated() {
            let rate = median(sleepRuns[side.name]!)
            lines.append(
                "| \(side.name) | \(Int(rate)) | \(String(format: "%.1f", rate / single))× | \(goals[index]) |")
        }
        let noopSingle = median(noopRuns[sides[0].name]!)
        let noopPer = median(noopRuns[sides[1].name]!)
        lines += [
            "",
            "No-op listener, \(noopRecords) records:",
            "",
            "| side | records/s | vs single | goal |",
            "| --- | ---: | ---: | ---: |",
            "| single container | \(Int(noopSingle)) | 100 % | |",
            "| per-partition | \(Int(noopPer)) | \(Int((noopPer / noopSingle * 100).rounded())) % | ≥ 80 % |",
            "",
            "Every run: \(sleepRuns.mapValues { $0.map { Int($0) } }) \(noopRuns.mapValues { $0.map { Int($0) } })",
        ]
        return lines.joined(separator: "\n")
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
}

/// Counts handled records and times the first to the last.
final class Tally: Sendable {
    let count = Atomic<Int>(0)
    let target: Int
    private let times = Mutex<(first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((nil, nil))

    let running = Atomic<Int>(0)
    let peak = Atomic<Int>(0)

    init(target: Int) { self.target = target }

    func enter() {
        let now = running.add(1, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    func add() {
        running.subtract(1, ordering: .relaxed)
        let total = count.add(1, ordering: .relaxed).newValue
        if total == 1 { times.withLock { $0.first = .now } }
        if total == target { times.withLock { $0.last = .now } }
    }

    /// Waits (checking every 10 ms) until every record was handled; returns the first-to-last time.
    func wait(deadline: Duration) async throws -> Duration {
        let end = ContinuousClock.now + deadline
        while true {
            let (first, last) = times.withLock { ($0.first, $0.last) }
            if let first, let last { return last - first }
            if ContinuousClock.now > end {
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
