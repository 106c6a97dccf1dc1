import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Ack modes commit where they say", .timeLimit(.minutes(10)))
struct AckModeTests {
    /// Runs a record listener over `count` records on a 2-partition topic, stops, returns what happened.
    func run(
        _ ackMode: AckMode, commitMode: CommitMode = .sync, count: Int = 40, maxPollRecords: Int = 7,
        acknowledge: @escaping @Sendable (ConsumerRecord, ListenerContext) -> Void = { _, _ in }
    ) async throws -> (Recorder, String, String) {
        let topic = try await kafka.topic("ack", partitions: 2)
        try await kafka.produce(count, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let id = kafka.unique("ack")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    recorder.note(record, context)
                    acknowledge(record, context)
                }, ackMode: ackMode, commitMode: commitMode, maxPollRecords: maxPollRecords))
        try await registry.startAll()
        try await waitUntil("\(count) records handled", observed: { "\(recorder.count)" }) { recorder.count >= count }
        await registry.stopAll()
        return (recorder, topic, id)
    }

    @Test("record: a commit after every record, each one past the record just handled")
    func recordMode() async throws {
        let (recorder, topic, group) = try await run(.record)
        for partition: Int32 in 0..<2 {
            let tp = TopicPartition(topic, partition)
            let handled = recorder.handled.withLock { $0.filter { $0.tp == tp }.map(\.offset) }
            #expect(recorder.commits(tp) == handled.map { $0 + 1 }, "\(tp)")
        }
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2).reduce(0, +) == 40)
    }

    @Test("record with async commits: commits coalesce but end exactly after the last record")
    func recordModeAsync() async throws {
        let (recorder, topic, group) = try await run(.record, commitMode: .async)
        for partition: Int32 in 0..<2 {
            let commits = recorder.commits(TopicPartition(topic, partition))
            #expect(commits == commits.sorted(), "async commits must never go backwards")
        }
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2).reduce(0, +) == 40)
    }

    @Test("batch: commits land only on poll boundaries, never inside a poll's records")
    func batchMode() async throws {
        let topic = try await kafka.topic("ackbatch", partitions: 1)
        try await kafka.produce(40, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let id = kafka.unique("batch")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .batch { records, _ in recorder.batches.withLock { $0.append(records) } },
                ackMode: .batch, maxPollRecords: 7))
        try await registry.startAll()
        try await waitUntil("40 records", observed: { "\(recorder.batches.withLock { $0.count }) batches" }) {
            recorder.batches.withLock { $0.reduce(0) { $0 + $1.count } } >= 40
        }
        await registry.stopAll()
        let batchEnds = Set(recorder.batches.withLock { $0.map { $0.last!.offset + 1 } })
        let commits = recorder.commits(TopicPartition(topic, 0))
        #expect(!commits.isEmpty)
        #expect(commits.allSatisfy { batchEnds.contains($0) }, "commits \(commits) vs batch ends \(batchEnds.sorted())")
        #expect(recorder.batches.withLock { $0.allSatisfy { $0.count <= 7 } })
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 1) == [40])
    }

    @Test("count(n): between commits at least n records were processed; stop commits the rest")
    func countMode() async throws {
        let (recorder, topic, group) = try await run(.count(10), count: 60, maxPollRecords: 3)
        let commits = recorder.events(matching: { if case .committed = $0 { true } else { false } })
        // Every commit but the final one at stop follows ≥ 10 processed records (over both partitions).
        var latest: [TopicPartition: Int64] = [:]
        var previous: Int64 = 0
        for event in commits.dropLast() {
            guard case .committed(let offsets) = event.kind else { continue }
            for offset in offsets { latest[offset.topicPartition] = offset.offset.rawValue }
            let total = latest.values.reduce(0, +)
            #expect(total - previous >= 10, "a commit after only \(total - previous) records")
            previous = total
        }
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2).reduce(0, +) == 60)
    }

    @Test(
        "time(t): nothing is committed before t has passed; stop commits everything",
        arguments: [AckMode.time(.seconds(3600)), .countTime(1000, .seconds(3600))])
    func timeMode(mode: AckMode) async throws {
        let (recorder, topic, group) = try await run(mode)
        let commits = recorder.events(matching: { if case .committed = $0 { true } else { false } })
        #expect(commits.count == 1, "only the final commit at stop: \(commits)")
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2).reduce(0, +) == 40)
    }

    @Test("manual: only acknowledged records are committed; an unacknowledged one holds the rest back")
    func manualMode() async throws {
        let (recorder, topic, group) = try await run(.manual) { record, context in
            if !(record.partition == 0 && record.offset == 5) { context.acknowledgment.acknowledge() }
        }
        let committed = try await committedOffsets(group: group, topic: topic, partitions: 2)
        #expect(committed[0] == 5, "partition 0 must stop at the unacknowledged offset 5")
        let inPartition1 = recorder.handledCounts[TopicPartition(topic, 1)]?.count ?? 0
        #expect(committed[1] == Int64(inPartition1), "partition 1 was fully acknowledged")
    }

    @Test("manual: a listener that throws without acknowledging gets nothing committed for that record")
    func manualModeErrorsCommitNothing() async throws {
        let (recorder, topic, group) = try await run(.manual) { record, context in
            if record.offset < 3 { context.acknowledgment.acknowledge() }
        }
        #expect(recorder.count == 40)
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2) == [3, 3])
    }

    @Test("manualImmediate: the acknowledgment is committed while the listener still runs")
    func manualImmediate() async throws {
        let topic = try await kafka.topic("immediate", partitions: 1)
        try await kafka.produce(3, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let id = kafka.unique("immediate")
        let sawOwnCommit = Mutex<[Bool]>([])
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    context.acknowledgment.acknowledge()
                    // No poll boundary can pass while this listener runs: only an immediate commit shows up. A
                    // rebalance or a refused commit defers it to the next boundary, as documented; the broker's
                    // doing, not this mode's, so such a record does not count against it.
                    let seen =
                        (try? await waitUntil("commit of \(record.offset + 1)", timeout: .seconds(30)) {
                            recorder.commits(record.topicPartition).contains(record.offset + 1)
                                || !recorder.events(matching: {
                                    switch $0 {
                                    case .partitionsRevoked, .partitionsLost, .commitFailed: true
                                    default: false
                                    }
                                }).isEmpty
                        }) != nil
                    sawOwnCommit.withLock { $0.append(seen) }
                    recorder.note(record, context)
                }, ackMode: .manualImmediate))
        try await registry.startAll()
        try await waitUntil("3 records", observed: { "\(recorder.count)" }) { recorder.count >= 3 }
        await registry.stopAll()
        #expect(sawOwnCommit.withLock { $0 } == [true, true, true])
    }

    @Test("out-of-order manual acks (3, 1, then 2) commit record 1, then offset 4 — never 4 before 2 is acknowledged")
    func outOfOrderAcks() async throws {
        let topic = try await kafka.topic("ooo", partitions: 1)
        try await kafka.produce(4, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let acks = Mutex<[Int64: Acknowledgment]>([:])
        let id = kafka.unique("ooo")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    if record.offset == 0 {
                        context.acknowledgment.acknowledge()
                    } else {
                        acks.withLock { $0[record.offset] = context.acknowledgment }
                    }
                    recorder.note(record, context)
                }, ackMode: .manual, pollTimeout: .milliseconds(20)))
        try await registry.startAll()
        let tp = TopicPartition(topic, 0)
        try await waitUntil("offset 0 committed", observed: { "\(recorder.commits(tp))" }) {
            recorder.commits(tp) == [1]
        }
        try await waitUntil("all 4 delivered") { acks.withLock { $0.count } == 3 }
        let container = try #require(registry.childContainer(id: "\(id)-0"))

        func boundaries(_ n: Int) async throws {
            let start = container.pollsCompleted
            try await waitUntil("\(n) more poll boundaries") { container.pollsCompleted >= start + n }
        }

        acks.withLock { $0[3]! }.acknowledge()
        try await boundaries(3)
        #expect(recorder.commits(tp) == [1], "acknowledging 3 alone must not commit")
        acks.withLock { $0[1]! }.acknowledge()
        try await waitUntil("record 1 committed", observed: { "\(recorder.commits(tp))" }) {
            recorder.commits(tp).last == 2
        }
        try await boundaries(3)
        #expect(recorder.commits(tp) == [1, 2])
        acks.withLock { $0[2]! }.acknowledge()
        try await waitUntil("offset 4 committed", observed: { "\(recorder.commits(tp))" }) {
            recorder.commits(tp).last == 4
        }
        #expect(recorder.commits(tp) == [1, 2, 4])
        await registry.stopAll()
    }
}
