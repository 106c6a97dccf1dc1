import KafkaClient
import Logging

/// What one consume run measured.
struct Measurement: Sendable {
    var records: Int
    var keyBytes: Int
    var valueBytes: Int
    var batches: Int
    var consumeErrors: Int
    /// From just before the assignment to the last record.
    var elapsed: Duration
    /// From just before the assignment to the first record.
    var firstRecord: Duration
    /// The longest wait between two non-empty batches (a fetch stall shows up here).
    var longestGap: Duration
    var allocations: AllocationCounter.Counts
    /// Peak resident memory over what the process held when the run began.
    var peakRSSGrowth: Int = 0
    /// Peak heap in use over what it was when the run began (glibc `mallinfo2`, sampled).
    var peakHeapGrowth: Int = 0
    /// CPU seconds per thread group over the timed window (see ``ThreadCPU``).
    var cpu: [(group: String, seconds: Double)] = []
    /// How often KafkaConsumer woke librdkafka's fetcher (`nil` for the raw loops, which have no wake-up).
    var fetchRestarts: Int?

    var recordsPerSecond: Double { Double(records) / elapsed.inSeconds }
    /// Records per second from the first record to the last: the rate once data flows, without the start-up
    /// (connection, assignment, librdkafka's first fetch, which in 2.0.2 sometimes waits ~1 s for its timer).
    var steadyRecordsPerSecond: Double {
        let flowing = (elapsed - firstRecord).inSeconds
        return flowing > 0 ? Double(max(records - 1, 0)) / flowing : 0
    }
    var mallocsPerRecord: Double { Double(allocations.mallocs) / Double(max(records, 1)) }
    var bytesPerRecord: Double { Double(allocations.bytes) / Double(max(records, 1)) }
    /// CPU nanoseconds per record of the named thread groups.
    func cpuNanosPerRecord(_ groups: Set<String>) -> Double {
        cpu.filter { groups.contains($0.group) }.reduce(0) { $0 + $1.seconds } * 1e9 / Double(max(records, 1))
    }
    /// CPU nanoseconds per record of the threads that take records from librdkafka and hand them on.
    var consumingNanosPerRecord: Double { cpuNanosPerRecord(["raw-loop", "kcons", "swift pool"]) }
}

/// How the Swift side drives the consumer.
enum SwiftMode: String, Sendable {
    /// One `withSession` per batch: an async hop to the consumer's thread and back for every poll,
    /// which is how a poll loop that lives in a task uses the consumer.
    case sessionPerBatch = "session-per-batch"
    /// One `withSession` for the whole run: the loop itself runs on the consumer's thread.
    case oneSession = "one-session"
}

/// The measured side: `KafkaConsumer` from KafkaClient, same settings, same strategy.
enum SwiftConsumer {
    static func consume(
        bootstrapServers: String, settings: [(String, String)], topic: String, partitions: Int32,
        records target: Int, batch: Int, deadline: Duration, mode: SwiftMode
    ) async throws -> Measurement {
        var logger = Logger(label: "bench.consumer")
        logger.logLevel = .warning
        var configuration = KafkaConfiguration(bootstrapServers: bootstrapServers)
        for (key, value) in settings { configuration[key] = value }
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let offsets = (0..<partitions).map { TopicPartitionOffset(topic, $0, 0) }
        do {
            let measurement =
                switch mode {
                case .sessionPerBatch:
                    try await sessionPerBatch(consumer, offsets, target: target, batch: batch, deadline: deadline)
                case .oneSession:
                    try await oneSession(consumer, offsets, target: target, batch: batch, deadline: deadline)
                }
            var withRestarts = measurement
            withRestarts.fetchRestarts = consumer.fetchRestarts
            await consumer.close()
            return withRestarts
        } catch {
            await consumer.close()
            throw error
        }
    }

    private struct Progress: Sendable {
        var records = 0
        var keyBytes = 0
        var valueBytes = 0
    }

    private static func sessionPerBatch(
        _ consumer: KafkaConsumer, _ offsets: [TopicPartitionOffset], target: Int, batch: Int, deadline: Duration
    ) async throws -> Measurement {
        var total = Progress()
        var batches = 0
        let clock = ContinuousClock()
        var firstRecord: ContinuousClock.Instant?
        var lastBatch = clock.now
        var longestGap = Duration.zero

        let cpu = ThreadCPU.snapshot()
        AllocationCounter.start()
        let start = clock.now
        do {
            try await consumer.assign(offsets)
            while total.records < target {
                let got = try await consumer.withSession { session in
                    var progress = Progress()
                    progress.records = try session.poll(maxRecords: batch, timeout: .milliseconds(100)) { record in
                        progress.keyBytes &+= record.key?.count ?? 0
                        progress.valueBytes &+= record.value?.count ?? 0
                    }
                    return progress
                }
                let now = clock.now
                if got.records > 0 {
                    if firstRecord == nil {
                        firstRecord = now
                    } else {
                        longestGap = max(longestGap, now - lastBatch)
                    }
                    lastBatch = now
                    batches += 1
                    total.records += got.records
                    total.keyBytes &+= got.keyBytes
                    total.valueBytes &+= got.valueBytes
                }
                if now - start > deadline {
                    throw BenchmarkError("KafkaConsumer: only \(total.records) of \(target) records after \(deadline)")
                }
            }
        } catch {
            _ = AllocationCounter.stop()
            throw error
        }
        let end = clock.now
        let allocations = AllocationCounter.stop()
        let spent = ThreadCPU.snapshot().since(cpu)
        return Measurement(
            records: total.records, keyBytes: total.keyBytes, valueBytes: total.valueBytes, batches: batches,
            consumeErrors: 0, elapsed: end - start, firstRecord: (firstRecord ?? end) - start,
            longestGap: longestGap, allocations: allocations, cpu: spent)
    }

    private static func oneSession(
        _ consumer: KafkaConsumer, _ offsets: [TopicPartitionOffset], target: Int, batch: Int, deadline: Duration
    ) async throws -> Measurement {
        AllocationCounter.start()
        do {
            let measurement = try await consumer.withSession { session in
                var total = Progress()
                var batches = 0
                let clock = ContinuousClock()
                var firstRecord: ContinuousClock.Instant?
                var lastBatch = clock.now
                var longestGap = Duration.zero
                let start = clock.now
                try session.assign(offsets)
                while total.records < target {
                    let count = try session.poll(maxRecords: batch, timeout: .milliseconds(100)) { record in
                        total.keyBytes &+= record.key?.count ?? 0
                        total.valueBytes &+= record.value?.count ?? 0
                    }
                    let now = clock.now
                    if count > 0 {
                        if firstRecord == nil {
                            firstRecord = now
                        } else {
                            longestGap = max(longestGap, now - lastBatch)
                        }
                        lastBatch = now
                        batches += 1
                        total.records += count
                    }
                    if now - start > deadline {
                        throw BenchmarkError(
                            "KafkaConsumer: only \(total.records) of \(target) records after \(deadline)")
                    }
                }
                let end = clock.now
                return Measurement(
                    records: total.records, keyBytes: total.keyBytes, valueBytes: total.valueBytes, batches: batches,
                    consumeErrors: 0, elapsed: end - start, firstRecord: (firstRecord ?? end) - start,
                    longestGap: longestGap, allocations: AllocationCounter.Counts(mallocs: 0, bytes: 0))
            }
            var result = measurement
            result.allocations = AllocationCounter.stop()
            return result
        } catch {
            _ = AllocationCounter.stop()
            throw error
        }
    }
}

extension Duration {
    var inSeconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }

    var inMilliseconds: Double { inSeconds * 1000 }
}
