import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// Lines noted by interceptors and listeners, in order.
final class TextLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    func withLock<T>(_ body: ([String]) -> T) -> T { lines.withLock { body($0) } }
}

/// Notes every call it gets, with its name.
struct NotingInterceptor: RecordInterceptor, BatchInterceptor {
    let name: String
    let log: TextLog

    func intercept(_ record: ConsumerRecord, context: ListenerContext) async -> ConsumerRecord? {
        log.append("\(name).intercept \(record.offset)")
        return record
    }
    func success(_ record: ConsumerRecord, context: ListenerContext) async {
        log.append("\(name).success \(record.offset)")
    }
    func failure(_ record: ConsumerRecord, error: any Error, context: ListenerContext) async {
        log.append("\(name).failure \(record.offset)")
    }
    func afterRecord(_ record: ConsumerRecord, context: ListenerContext) async {
        log.append("\(name).after \(record.offset)")
    }

    func intercept(_ records: [ConsumerRecord], context: ListenerContext) async -> [ConsumerRecord]? {
        log.append("\(name).intercept batch \(records.map(\.offset))")
        return records
    }
    func success(_ records: [ConsumerRecord], context: ListenerContext) async { log.append("\(name).success batch") }
    func afterBatch(_ records: [ConsumerRecord], context: ListenerContext) async { log.append("\(name).after batch") }
}

/// Drops odd offsets and notes commits.
final class OddDropper: ConsumerInterceptor {
    let commits = Mutex<[[TopicPartitionOffset]]>([])
    func onConsume(_ records: [ConsumerRecord]) -> [ConsumerRecord] { records.filter { $0.offset % 2 == 0 } }
    func onCommit(_ offsets: [TopicPartitionOffset]) { commits.withLock { $0.append(offsets) } }
}

@Suite("Interceptors and filters", .timeLimit(.minutes(10)))
struct InterceptorTests {
    @Test(
        "record interceptors run in order, global before the endpoint's, with one terminal call and one afterRecord per call"
    )
    func recordInterceptorOrder() async throws {
        let topic = try await kafka.topic("icpt", partitions: 1)
        let log = TextLog()
        let registry = makeRegistry()
        registry.interceptors = Interceptors(record: [NotingInterceptor(name: "global", log: log)])
        try registry.register(
            ListenerEndpoint(
                id: "icpt", selection: .topics([topic]),
                listener: .record { record, _ in
                    log.append("listener \(record.offset)")
                    if record.offset == 1 { throw Poison() }
                }, errorHandler: ErrorHandler(backOff: .none),
                interceptors: Interceptors(record: [NotingInterceptor(name: "own", log: log)])))
        try await registry.startAll()
        try await kafka.produce(2, to: topic, partition: 0)
        try await waitUntil("both records through", observed: { "\(log.withLock { $0 })" }) {
            log.withLock { $0.contains("own.after 1") }
        }
        await registry.stopAll()
        #expect(
            log.withLock { $0 } == [
                "global.intercept 0", "own.intercept 0", "listener 0", "global.success 0", "own.success 0",
                "global.after 0", "own.after 0",
                "global.intercept 1", "own.intercept 1", "listener 1", "global.failure 1", "own.failure 1",
                "global.after 1", "own.after 1",
            ])
    }

    @Test(
        "onConsume removes records before any listener (they still count as processed); onCommit sees exactly the committed offsets"
    )
    func consumerInterceptor() async throws {
        let topic = try await kafka.topic("icpt-consume", partitions: 1)
        let dropper = OddDropper()
        let seen = Mutex<[Int64]>([])
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        try registry.register(
            ListenerEndpoint(
                id: "icpt-consume", selection: .topics([topic]),
                listener: .record { record, _ in seen.withLock { $0.append(record.offset) } },
                interceptors: Interceptors(consumer: [dropper])))
        try await registry.startAll()
        try await kafka.produce(10, to: topic, partition: 0)
        let tp = TopicPartition(topic, 0)
        try await waitUntil("committed to the end", observed: { "\(recorder.commits(tp))" }) {
            recorder.commits(tp).max() == 10
        }
        await registry.stopAll()
        #expect(seen.withLock { $0 } == [0, 2, 4, 6, 8])
        let fromEvents = recorder.events.withLock { $0 }.compactMap { event -> [TopicPartitionOffset]? in
            if case .committed(let offsets) = event.kind { offsets } else { nil }
        }
        #expect(dropper.commits.withLock { $0 } == fromEvents, "onCommit saw each commit's offsets")
        #expect(try await committedOffsets(group: "icpt-consume", topic: topic, partitions: 1) == [10])
    }

    @Test("a RecordFilter skips records; in manual mode ackDiscarded decides whether skipped records are acknowledged")
    func recordFilterAckDiscarded() async throws {
        for ackDiscarded in [true, false] {
            let topic = try await kafka.topic("filter", partitions: 1)
            let group = kafka.unique("filter")
            let seen = Mutex<[Int64]>([])
            let registry = makeRegistry()
            try registry.register(
                ListenerEndpoint(
                    id: "filter", selection: .topics([topic]),
                    listener: .record { record, context in
                        seen.withLock { $0.append(record.offset) }
                        context.acknowledgment.acknowledge()
                    }, groupId: group, ackMode: .manual,
                    interceptors: Interceptors(record: [RecordFilter(ackDiscarded: ackDiscarded) { $0.offset != 3 }])))
            try await registry.startAll()
            try await kafka.produce(6, to: topic, partition: 0)
            try await waitUntil("5 records handled", observed: { "\(seen.withLock { $0 })" }) {
                seen.withLock { $0.count } == 5
            }
            let expected: Int64 = ackDiscarded ? 6 : 3
            try await waitUntil(
                "committed \(expected)",
                observed: { "\((try? await committedOffsets(group: group, topic: topic, partitions: 1)) ?? [])" }
            ) {
                try await committedOffsets(group: group, topic: topic, partitions: 1) == [expected]
            }
            await registry.stopAll()
            #expect(seen.withLock { $0 } == [0, 1, 2, 4, 5])
        }
    }

    @Test("batch listeners: filters remove records from the batch and batch interceptors run around the call")
    func batchInterceptors() async throws {
        let topic = try await kafka.topic("icpt-batch", partitions: 1)
        try await kafka.produce(6, to: topic, partition: 0)
        let log = TextLog()
        let batches = Mutex<[[Int64]]>([])
        let registry = makeRegistry()
        try registry.register(
            ListenerEndpoint(
                id: "icpt-batch", selection: .topics([topic]),
                listener: .batch { records, _ in batches.withLock { $0.append(records.map(\.offset)) } },
                interceptors: Interceptors(
                    record: [RecordFilter { $0.offset % 3 != 0 }], batch: [NotingInterceptor(name: "b", log: log)])))
        try await registry.startAll()
        try await waitUntil("committed", observed: { "\(batches.withLock { $0 })" }) {
            try await committedOffsets(group: "icpt-batch", topic: topic, partitions: 1) == [6]
        }
        await registry.stopAll()
        #expect(batches.withLock { $0 }.flatMap { $0 } == [1, 2, 4, 5])
        #expect(
            log.withLock { $0 }.first?.hasPrefix("b.intercept batch") == true
                && log.withLock { $0 }.contains("b.after batch"))
    }
}
