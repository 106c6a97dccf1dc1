import Crdkafka
import KafkaListenersTesting
import Testing

@testable import KafkaClient

/// Each librdkafka quirk switched off and on against the embedded cluster. Where the mock cluster can show the
/// symptom (the seek timeout), the test shows it with the quirk off and its absence with the quirk on; where the
/// symptom is only a delay (the fetch restarts, the assignment watch, the commit nudge, the in-place headers), the
/// test shows what the quirk does (its wake-ups) or that the outcome is the same either way. Each part runs only
/// where the loaded librdkafka needs the quirk (elsewhere it is off either way, which `LibrdkafkaQuirksTests` checks).
@Suite("librdkafka quirks switched off and on against the embedded cluster", .timeLimit(.minutes(10)))
struct LibrdkafkaQuirkSymptomTests {
    static let needed = LibrdkafkaQuirks.neededByLoadedLibrary

    /// A consumer configuration of a new group that allows exactly `quirks`.
    static func config(
        _ prefix: String, allowing quirks: LibrdkafkaQuirks, _ extra: [String: String] = [:]
    ) -> KafkaConfiguration {
        var configuration = TestCluster.consumerConfig(group: TestCluster.unique(prefix), extra)
        configuration.librdkafkaQuirks = quirks
        return configuration
    }

    /// Polls `consumer` until `count` records arrived (deadline `timeout`) and returns their offsets per partition.
    static func receive(
        _ count: Int, from consumer: KafkaConsumer, timeout: Duration = .seconds(30)
    ) async throws -> [Int32: [Int64]] {
        var offsets: [Int32: [Int64]] = [:]
        try await waitUntil(
            "\(count) records", timeout: timeout,
            observed: { "\(offsets.mapValues(\.count)), \(consumer.fetchRestarts) wake-ups" }
        ) {
            for record in try await consumer.poll(maxRecords: 200, timeout: .milliseconds(100)) {
                offsets[record.partition, default: []].append(record.offset)
            }
            return offsets.values.reduce(0) { $0 + $1.count } >= count
        }
        return offsets
    }

    @Test(
        "seekTimeout off: a seek with a short timeout times out (librdkafka waits a thousandth of it); on: seeks succeed and the records come again"
    )
    func seekTimeout() async throws {
        guard Self.needed.contains(.seekTimeout) else { return }
        let topic = try TestCluster.topic("quirk-seek", partitions: 1)
        try await produce(10, to: topic, partition: 0)
        let tp = TopicPartition(topic, 0)

        // An empty partition: between seeks its broker thread idles in a long-poll fetch, so confirming a seek
        // takes a wake-up of that thread.
        let empty = try TestCluster.topic("quirk-seek-empty", partitions: 1)
        let idle = TopicPartition(empty, 0)
        let off = try KafkaConsumer(
            configuration: Self.config("quirk-seek-off", allowing: .all.subtracting(.seekTimeout)))
        #expect(!off.librdkafkaQuirks.contains(.seekTimeout))
        try await off.assign([TopicPartitionOffset(empty, 0, 0)])
        // 30 ms waited; only warms up
        _ = try? await off.seek([TopicPartitionOffset(idle, KafkaOffset(0))], timeout: .seconds(30))
        // 1 ms asked, 1 µs waited: the confirmation mostly comes too late (not always: the broker thread may answer
        // while the call is still queueing), so up to 200 seeks until one fails, each after a poll that lets the
        // broker thread go idle again.
        var timedOut: [KafkaError] = []
        var seeks = 0
        while timedOut.isEmpty && seeks < 200 {
            seeks += 1
            _ = try await off.poll(maxRecords: 10, timeout: .milliseconds(5))
            do { try await off.seek([TopicPartitionOffset(idle, KafkaOffset(0))], timeout: .milliseconds(1)) } catch let
                error as KafkaError
            {
                timedOut.append(error)
            }
        }
        #expect(
            !timedOut.isEmpty,
            "all \(seeks) seeks with the quirk off were confirmed within a thousandth of their timeout")
        #expect(timedOut.allSatisfy { $0.codeName == "_TIMED_OUT" }, "\(timedOut)")
        await off.close()

        let on = try KafkaConsumer(configuration: Self.config("quirk-seek-on", allowing: .all))
        #expect(on.librdkafkaQuirks.contains(.seekTimeout))
        try await on.assign([TopicPartitionOffset(topic, 0, 0)])
        _ = try await Self.receive(10, from: on)
        for round in 0..<10 {
            await #expect(throws: Never.self, "seek \(round)") {
                try await on.seek([TopicPartitionOffset(tp, KafkaOffset(0))])
            }
        }
        let again = try await Self.receive(10, from: on)
        #expect(again[0]?.prefix(10) == ArraySlice(0..<10), "the records from offset 0 again: \(again)")
        await on.close()
    }

    @Test(
        "fetchRestart off: no wake-ups; on: the drained queue wakes the fetcher; every record arrives in order either way"
    )
    func fetchRestart() async throws {
        guard Self.needed.contains(.fetchRestart) else { return }
        let topic = try TestCluster.topic("quirk-restart", partitions: 2)
        for partition: Int32 in 0..<2 { try await produce(3_000, to: topic, partition: partition) }
        let bounded = ["queued.min.messages": "1000", "queued.max.messages.kbytes": "64"]
        for allowed: LibrdkafkaQuirks in [[], [.fetchRestart]] {
            let consumer = try KafkaConsumer(configuration: Self.config("quirk-restart", allowing: allowed, bounded))
            try await consumer.assign((0..<2).map { TopicPartitionOffset(topic, $0, 0) })
            let offsets = try await Self.receive(6_000, from: consumer, timeout: .seconds(90))
            #expect(
                offsets[0] == Array(0..<3_000) && offsets[1] == Array(0..<3_000),
                "quirks \(allowed): each record once, in order")
            if allowed.isEmpty {
                #expect(consumer.fetchRestarts == 0, "wake-ups with the quirk off: \(consumer.fetchRestarts)")
            } else {
                #expect(consumer.fetchRestarts >= 1, "wake-ups with the quirk on: \(consumer.fetchRestarts)")
            }
            await consumer.close()
        }
    }

    @Test("assignmentWake off: an assignment whose first record is late gets no wake-up; on: it gets the watch's two")
    func assignmentWake() async throws {
        guard Self.needed.contains(.assignmentWake) else { return }
        let topic = try TestCluster.topic("quirk-watch", partitions: 2)  // empty: the first record never comes
        let on = try KafkaConsumer(configuration: Self.config("quirk-watch-on", allowing: [.assignmentWake]))
        try await on.assign((0..<2).map { TopicPartitionOffset(topic, $0, 0) })
        try await waitUntil(
            "two wake-ups after the assignment", timeout: .seconds(10), observed: { "\(on.fetchRestarts) wake-ups" }
        ) {
            _ = try await on.poll(maxRecords: 10, timeout: .milliseconds(50))
            return on.fetchRestarts >= 2
        }
        await on.close()

        let off = try KafkaConsumer(configuration: Self.config("quirk-watch-off", allowing: []))
        try await off.assign((0..<2).map { TopicPartitionOffset(topic, $0, 0) })
        // Polls past the watch's whole schedule: with the quirk off, nothing is woken.
        for _ in 0..<8 { _ = try await off.poll(maxRecords: 10, timeout: .milliseconds(50)) }
        #expect(off.fetchRestarts == 0, "wake-ups with the quirk off: \(off.fetchRestarts)")
        await off.close()
    }

    @Test("wireHeaders off and on: every record's headers read back the same")
    func wireHeaders() async throws {
        let topic = try TestCluster.topic("quirk-headers", partitions: 1)
        let sent: [[RecordHeader]] = [
            [], [RecordHeader(key: "one", string: "1")],
            [RecordHeader(key: "empty", value: []), RecordHeader(key: "none", value: nil)],
            (0..<20).map { RecordHeader(key: "h\($0)", string: String(repeating: "v", count: $0)) },
        ]
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        for (index, headers) in sent.enumerated() {
            try await producer.sendAndForget(
                ProducerRecord(
                    topic: topic, partition: 0, key: Array("k\(index)".utf8), value: Array("v\(index)".utf8),
                    headers: headers))
        }
        try await producer.flush()
        await producer.close()
        for allowed: LibrdkafkaQuirks in [[], [.wireHeaders]] {
            let consumer = try KafkaConsumer(configuration: Self.config("quirk-headers", allowing: allowed))
            #expect(consumer.librdkafkaQuirks == allowed.intersection(Self.needed))
            try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
            var records: [ConsumerRecord] = []
            try await waitUntil("\(sent.count) records", observed: { "\(records.count) records" }) {
                records += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100))
                return records.count >= sent.count
            }
            #expect(records.map(\.headers) == sent, "quirks \(allowed)")
            await consumer.close()
        }
    }

    @Test("commitNudge off and on: a fresh consumer's first synchronous commit lands")
    func commitNudge() async throws {
        let topic = try TestCluster.topic("quirk-nudge", partitions: 1)
        try await produce(5, to: topic, partition: 0)
        for allowed: LibrdkafkaQuirks in [[], [.commitNudge]] {
            let consumer = try KafkaConsumer(configuration: Self.config("quirk-nudge", allowing: allowed))
            #expect(consumer.librdkafkaQuirks == allowed.intersection(Self.needed))
            try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
            _ = try await Self.receive(5, from: consumer)
            try await consumer.commit([TopicPartitionOffset(topic, 0, 5)])
            #expect(
                try await consumer.committed([TopicPartition(topic, 0)]).map(\.offset) == [KafkaOffset(5)],
                "quirks \(allowed)")
            await consumer.close()
        }
    }
}
