import Foundation
import KafkaClient
import KafkaListeners
import Logging
import Synchronization

/// The listener sides: a `ListenerRegistry` with one single container on every partition (explicit
/// assignment, so no group join is timed) and a no-op listener.
enum ListenerSide: String, Sendable, CaseIterable {
    case recordBatchAck = "record listener, ack batch"
    case recordBatchAckAsync = "record listener, ack batch (async)"
    case batch = "batch listener, ack batch"
    case batchAsync = "batch listener, ack batch (async)"
    case recordAckRecord = "record listener, ack record (async)"
    case syncRecordBatchAckAsync = "synchronous record listener, ack batch (async)"

    var listenerCall: String {
        switch self {
        case .recordBatchAck: "`.record(handler)` (an async `Listener.RecordHandler`), `ackMode: .batch`, sync commits"
        case .recordBatchAckAsync: "the same with `commitMode: .async`"
        case .batch: "`.batch { records, _ in … }`, `ackMode: .batch`, sync commits"
        case .batchAsync: "the same with `commitMode: .async`"
        case .recordAckRecord: "`.record(handler)` (async), `ackMode: .record`, `commitMode: .async`"
        case .syncRecordBatchAckAsync:
            "`.syncRecord { record, _ in … }` (a listener that never awaits), `ackMode: .batch`, `commitMode: .async`"
        }
    }

    var isBatch: Bool { self == .batch || self == .batchAsync }
    var commitMode: CommitMode { self == .recordBatchAck || self == .batch ? .sync : .async }
}

/// Which listener a default-settings side runs.
enum DefaultListenerKind: Sendable, Hashable {
    /// `.record { … }` whose body does not await.
    case record
    /// `.record { … }` whose body awaits.
    case awaitingRecord
    /// `.batch { … }`.
    case batch
}

/// Counts what the listener saw and wakes the run when every record arrived.
///
/// One atomic add per call: the record count in the low 24 bits, key and value bytes above them (the
/// KafkaConsumer side counts in local variables; three atomics per record would tilt the comparison).
final class ListenerTally: Sendable {
    let packed = Atomic<Int>(0)
    private let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)
    /// When the first record arrived, in nanoseconds after `epoch` (0 until then).
    private let firstNanos = Atomic<Int64>(0)
    private let epoch = ContinuousClock.now
    let target: Int

    init(target: Int) { self.target = target }

    /// The batch listener's longest wait between two batches, and how many records had arrived before it.
    private let lastBatchNanos = Atomic<Int64>(0)
    private let longestGapNanos = Atomic<Int64>(0)
    private let recordsBeforeGap = Atomic<Int>(0)

    /// Called by the batch listener before it adds a batch (one thread at a time, so plain loads and stores).
    func noteBatch() {
        let now = nanosSinceEpoch()
        let last = lastBatchNanos.load(ordering: .relaxed)
        if last > 0, now - last > longestGapNanos.load(ordering: .relaxed) {
            longestGapNanos.store(now - last, ordering: .relaxed)
            recordsBeforeGap.store(records, ordering: .relaxed)
        }
        lastBatchNanos.store(now, ordering: .relaxed)
    }

    private func nanosSinceEpoch() -> Int64 { Int64((ContinuousClock.now - epoch) / .nanoseconds(1)) }

    var longestGap: Duration { .nanoseconds(longestGapNanos.load(ordering: .relaxed)) }
    var gapAfterRecords: Int { recordsBeforeGap.load(ordering: .relaxed) }

    /// From `start` to the first record.
    func firstRecord(since start: ContinuousClock.Instant) -> Duration {
        epoch + .nanoseconds(firstNanos.load(ordering: .relaxed)) - start
    }

    var records: Int { packed.load(ordering: .relaxed) & 0xFF_FFFF }
    /// Key and value bytes together.
    var bytes: Int { packed.load(ordering: .relaxed) >> 24 }

    func add(records: Int, bytes: Int) {
        let total = packed.add((bytes << 24) | records, ordering: .relaxed).newValue & 0xFF_FFFF
        if total == records {  // the first call
            firstNanos.store(max(nanosSinceEpoch(), 1), ordering: .relaxed)
        }
        if total >= target, !finished.exchange(true, ordering: .relaxed) {
            done.withLock { $0.take() }?.resume()
        }
    }

    /// ``add(records:bytes:)`` as an async function that never suspends (for a listener that awaits).
    nonisolated(nonsending) func addAsync(records: Int, bytes: Int) async {
        add(records: records, bytes: bytes)
    }

    /// Ends ``wait()`` although not every record arrived (the run's deadline passed).
    func expire() {
        if !finished.exchange(true, ordering: .relaxed) {
            done.withLock { $0.take() }?.resume()
        }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = done.withLock { state -> Bool in
                if finished.load(ordering: .relaxed) { return true }
                state = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// The settings in effect on an endpoint built with only its required arguments.
struct DefaultEndpointSettings: Sendable {
    var ackMode: String
    var commitMode: String
    var maxPollRecords: Int
    var pollTimeout: Duration
    var concurrency: Int

    init(_ endpoint: ListenerEndpoint) {
        ackMode = endpoint.ackMode.description
        commitMode = "\(endpoint.commitMode)"
        maxPollRecords = endpoint.maxPollRecords
        pollTimeout = endpoint.pollTimeout
        concurrency = endpoint.concurrency
    }

    var summary: String {
        "`ackMode: .\(ackMode)`, `commitMode: .\(commitMode)`, `maxPollRecords: \(maxPollRecords)`, "
            + "`pollTimeout: \(pollTimeout)`, `concurrency: \(concurrency)`"
    }
}

enum ListenerRuns {
    static func consume(
        bootstrapServers: String, settings: [(String, String)], topic: String, partitions: Int32, records target: Int,
        batch: Int, side: ListenerSide
    ) async throws -> Measurement {
        let tally = ListenerTally(target: target)
        let listener: Listener
        switch side {
        case .recordBatchAck, .recordBatchAckAsync, .recordAckRecord:
            listener = .record(asyncRecordHandler(tally))
        case .syncRecordBatchAckAsync:
            listener = .syncRecord { record, _ in
                tally.add(records: 1, bytes: (record.key?.count ?? 0) + (record.value?.count ?? 0))
            }
        case .batch, .batchAsync:
            listener = batchListener(tally)
        }
        let group = settings.first { $0.0 == "group.id" }?.1 ?? "bench-listener"
        let endpoint = ListenerEndpoint(
            id: "bench", selection: .partitions((0..<partitions).map { TopicPartitionOffset(topic, $0, 0) }),
            listener: listener, groupId: group, ackMode: side == .recordAckRecord ? .record : .batch,
            commitMode: side.commitMode, maxPollRecords: batch)
        return try await measure(
            endpoint, bootstrapServers: bootstrapServers, settings: settings, tally: tally, isBatch: side.isBatch)
    }

    /// A run of an endpoint built with only the required arguments (id, selection, listener, group id): every
    /// other setting is whatever the library defaults to in this build. The registry's base configuration
    /// holds only `bootstrap.servers` (and `BENCH_CONSUMER_PROPS`), so the containers' own defaults apply too.
    static func consumeWithDefaults(
        bootstrapServers: String, settings: [(String, String)], topic: String, partitions: Int32, records target: Int,
        kind: DefaultListenerKind
    ) async throws -> (Measurement, DefaultEndpointSettings) {
        let tally = ListenerTally(target: target)
        let group = settings.first { $0.0 == "group.id" }?.1 ?? "bench-listener"
        let listener: Listener =
            switch kind {
            case .record: recordListener(tally)
            case .awaitingRecord: awaitingRecordListener(tally)
            case .batch: batchListener(tally)
            }
        let endpoint = ListenerEndpoint(
            id: "bench-defaults", selection: .partitions((0..<partitions).map { TopicPartitionOffset(topic, $0, 0) }),
            listener: listener, groupId: group)
        let measured = try await measure(
            endpoint, bootstrapServers: bootstrapServers, settings: settings, tally: tally, isBatch: kind == .batch)
        return (measured, DefaultEndpointSettings(endpoint))
    }

    /// The record listener as a user writes it: `.record { … }`. Its body does not await, so it is a synchronous
    /// listener (the `.record` overload for closures without `await`).
    private static func recordListener(_ tally: ListenerTally) -> Listener {
        .record { record, _ in
            tally.add(records: 1, bytes: (record.key?.count ?? 0) + (record.value?.count ?? 0))
        }
    }

    /// An async record listener's function that does not await: typed as ``Listener/RecordHandler``, so it stays
    /// async (the listener sides measure the async call per record; `.syncRecord` has a side of its own).
    private static func asyncRecordHandler(_ tally: ListenerTally) -> Listener.RecordHandler {
        { record, _ in tally.add(records: 1, bytes: (record.key?.count ?? 0) + (record.value?.count ?? 0)) }
    }

    /// A record listener whose body awaits (a call that does not suspend): an async listener, so every call pays
    /// what an awaiting listener pays per record.
    private static func awaitingRecordListener(_ tally: ListenerTally) -> Listener {
        .record { record, _ in
            await tally.addAsync(records: 1, bytes: (record.key?.count ?? 0) + (record.value?.count ?? 0))
        }
    }

    private static func batchListener(_ tally: ListenerTally) -> Listener {
        .batch { records, _ in
            tally.noteBatch()
            var bytes = 0
            for record in records { bytes &+= (record.key?.count ?? 0) + (record.value?.count ?? 0) }
            tally.add(records: records.count, bytes: bytes)
        }
    }

    /// Registers `endpoint` in a fresh registry and times it from `startAll()` until `tally` counted every record
    /// (or ``ConsumerBenchmark/runDeadline`` passed: then it fails with what arrived).
    private static func measure(
        _ endpoint: ListenerEndpoint, bootstrapServers: String, settings: [(String, String)], tally: ListenerTally,
        isBatch: Bool
    ) async throws -> Measurement {
        var logger = Logger(label: "bench.listener")
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_DEBUG_LOG"] != nil ? .debug : .warning
        var configuration = KafkaConfiguration(bootstrapServers: bootstrapServers)
        for (key, value) in settings where key != "group.id" { configuration[key] = value }
        let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
        let clock = ContinuousClock()
        try registry.register(endpoint)
        let memory = PeakMemory.start()
        AllocationCounter.start()
        let cpu = ThreadCPU.snapshot()
        let start = clock.now
        let deadline = Task {
            do {
                try await Task.sleep(for: ConsumerBenchmark.runDeadline)
                tally.expire()
            } catch {}  // cancelled: every record arrived in time
        }
        do {
            try await registry.startAll()
        } catch {
            deadline.cancel()
            _ = AllocationCounter.stop()
            _ = memory.heapGrowth()
            await registry.stopAll()
            throw error
        }
        await tally.wait()
        deadline.cancel()
        let elapsed = clock.now - start
        let allocations = AllocationCounter.stop()
        let spent = ThreadCPU.snapshot().since(cpu)
        let peak = memory.growth()
        let heap = memory.heapGrowth()
        await registry.stopAll()
        guard tally.records >= tally.target else {
            throw BenchmarkError(
                "listener '\(endpoint.id)': only \(tally.records) of \(tally.target) records after \(ConsumerBenchmark.runDeadline)"
            )
        }
        if isBatch {
            ConsumerBenchmark.progress("  longest gap between batches after \(tally.gapAfterRecords) records")
        }
        // The tally counts key and value bytes together; split them by the fixed key size for the check.
        let keyBytes = tally.records * ConsumerBenchmark.keySize
        return Measurement(
            records: tally.records, keyBytes: keyBytes, valueBytes: tally.bytes - keyBytes, batches: 0,
            consumeErrors: 0, elapsed: elapsed, firstRecord: tally.firstRecord(since: start),
            longestGap: tally.longestGap, allocations: allocations,
            peakRSSGrowth: peak, peakHeapGrowth: heap, cpu: spent)
    }
}
