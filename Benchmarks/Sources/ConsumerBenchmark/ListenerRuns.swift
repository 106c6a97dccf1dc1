import KafkaClient
import KafkaListeners
import KafkaListenersTesting
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

    var listenerCall: String {
        switch self {
        case .recordBatchAck: "`.record { record, _ in … }`, `ackMode: .batch`, sync commits"
        case .recordBatchAckAsync: "the same with `commitMode: .async`"
        case .batch: "`.batch { records, _ in … }`, `ackMode: .batch`, sync commits"
        case .batchAsync: "the same with `commitMode: .async`"
        case .recordAckRecord: "`.record { record, _ in … }`, `ackMode: .record`, `commitMode: .async`"
        }
    }

    var isBatch: Bool { self == .batch || self == .batchAsync }
    var commitMode: CommitMode { self == .recordBatchAck || self == .batch ? .sync : .async }
}

/// Counts what the listener saw and wakes the run when every record arrived.
final class ListenerTally: Sendable {
    let records = Atomic<Int>(0)
    let keyBytes = Atomic<Int>(0)
    let valueBytes = Atomic<Int>(0)
    let batches = Atomic<Int>(0)
    private let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)
    let target: Int

    init(target: Int) { self.target = target }

    func add(records: Int, keyBytes: Int, valueBytes: Int) {
        self.keyBytes.add(keyBytes, ordering: .relaxed)
        self.valueBytes.add(valueBytes, ordering: .relaxed)
        batches.add(1, ordering: .relaxed)
        if self.records.add(records, ordering: .relaxed).newValue >= target, !finished.exchange(true, ordering: .relaxed) {
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

enum ListenerRuns {
    static func consume(
        cluster: EmbeddedKafka, settings: [(String, String)], topic: String, partitions: Int32, records target: Int,
        batch: Int, side: ListenerSide
    ) async throws -> Measurement {
        var logger = Logger(label: "bench.listener")
        logger.logLevel = .warning
        var configuration = cluster.configuration()
        for (key, value) in settings where key != "group.id" { configuration[key] = value }
        let group = settings.first { $0.0 == "group.id" }?.1 ?? "bench-listener"
        let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
        let tally = ListenerTally(target: target)
        let listener: Listener
        switch side {
        case .recordBatchAck, .recordBatchAckAsync, .recordAckRecord:
            listener = .record { record, _ in
                tally.add(records: 1, keyBytes: record.key?.count ?? 0, valueBytes: record.value?.count ?? 0)
            }
        case .batch, .batchAsync:
            listener = .batch { records, _ in
                var keys = 0, values = 0
                for record in records {
                    keys &+= record.key?.count ?? 0
                    values &+= record.value?.count ?? 0
                }
                tally.add(records: records.count, keyBytes: keys, valueBytes: values)
            }
        }
        try registry.register(
            ListenerEndpoint(
                id: "bench", selection: .partitions((0..<partitions).map { TopicPartitionOffset(topic, $0, 0) }),
                listener: listener, groupId: group, ackMode: side == .recordAckRecord ? .record : .batch,
                commitMode: side.commitMode, maxPollRecords: batch))
        let memory = PeakMemory.start()
        AllocationCounter.start()
        let clock = ContinuousClock()
        let start = clock.now
        try await registry.startAll()
        await tally.wait()
        let elapsed = clock.now - start
        let allocations = AllocationCounter.stop()
        let peak = memory.growth()
        await registry.stopAll()
        return Measurement(
            records: tally.records.load(ordering: .relaxed), keyBytes: tally.keyBytes.load(ordering: .relaxed),
            valueBytes: tally.valueBytes.load(ordering: .relaxed), batches: tally.batches.load(ordering: .relaxed),
            consumeErrors: 0, elapsed: elapsed, firstRecord: .zero, longestGap: .zero, allocations: allocations,
            peakRSSGrowth: peak)
    }
}
