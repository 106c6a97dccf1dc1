import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Completed offsets in commit metadata", .timeLimit(.minutes(10)))
struct CompletedOffsetsTests {
    @Test("encoding round-trips runs and single offsets relative to the committed offset")
    func roundTrip() {
        let completed: [Int64] = Array(11...59) + [70, 72, 73]
        let (metadata, truncated) = CompletedOffsets.encode(committed: 10, completed: completed)
        #expect(metadata == "lk1:1.49,10,1.2")
        #expect(!truncated)
        #expect(CompletedOffsets.decode(metadata, committed: 10) == completed)
        #expect(CompletedOffsets.encode(committed: 10, completed: []).0 == nil)
    }

    @Test("the limit keeps the lowest runs and says it truncated; foreign or broken metadata decodes to nothing")
    func limitsAndBadInput() {
        let everyOther = stride(from: Int64(2), through: 20_000, by: 2)
        let (metadata, truncated) = CompletedOffsets.encode(committed: 0, completed: everyOther, limit: 100)
        #expect(truncated)
        let decoded = CompletedOffsets.decode(metadata, committed: 0) ?? []
        #expect(metadata!.utf8.count <= 100 && !decoded.isEmpty && decoded == Array(everyOther.prefix(decoded.count)))
        #expect(CompletedOffsets.decode("spring-kafka metadata", committed: 0) == nil)
        #expect(CompletedOffsets.decode("lk1:0.5", committed: 0) == nil, "a run cannot start at the committed offset")
        #expect(CompletedOffsets.decode("lk1:x", committed: 0) == nil)
        #expect(CompletedOffsets.decode(nil, committed: 0) == nil)
    }

    @Test("after a crash, records completed past a slow one are not handled again; the slow one is")
    func completedPastGapAreSkippedAfterCrash() async throws {
        let topic = try await kafka.topic("pp-gap", partitions: 1)
        let group = kafka.unique("pp-gap")
        let gate = Gate()
        let phase1 = Recorder()
        let phase2 = Recorder()
        func endpoint(_ id: String, _ recorder: Recorder, blocking: Bool) -> ListenerEndpoint {
            perPartitionEndpoint(
                id, topic: topic, group: group, ordering: .unordered, maxConcurrency: 8,
                listener: .record { record, context in
                    if blocking && record.offset == 10 { await gate.wait() }
                    recorder.note(record, context)
                })
        }
        let first = makeRegistry()
        phase1.record(first.events)
        let container = try first.register(endpoint("gap-first", phase1, blocking: true))
        try await first.startAll()
        try await waitForAssignment(container, 1)
        try await kafka.produce(60, to: topic)
        let tp = TopicPartition(topic, 0)
        func lastCommit() -> TopicPartitionOffset? {
            phase1.events(matching: { if case .committed = $0 { true } else { false } }).compactMap {
                event -> TopicPartitionOffset? in
                guard case .committed(let offsets) = event.kind else { return nil }
                return offsets.last { $0.topicPartition == tp }
            }.last
        }
        try await waitUntil(
            "offset 10 committed with 11…59 in its metadata",
            observed: { "\(phase1.count) \(String(describing: lastCommit()?.metadata))" }
        ) {
            lastCommit()?.offset.rawValue == 10 && lastCommit()?.metadata == "lk1:1.49"
        }
        #expect(phase1.count == 59)
        await container.simulateCrash()

        let second = makeRegistry()
        try second.register(endpoint("gap-second", phase2, blocking: false))
        try await second.startAll()
        try await kafka.produce(5, to: topic)
        try await waitUntil("the restart handles 10 and the new records", observed: { "\(phase2.handledCounts)" }) {
            phase2.count >= 6
        }
        let polls = try #require(second.childContainer(id: "gap-second-0")).pollsCompleted
        try await waitUntil("a few more polls") {
            (second.childContainer(id: "gap-second-0")?.pollsCompleted ?? 0) >= polls + 3
        }
        await second.stopAll()
        gate.open()
        #expect(
            phase2.handled.withLock { $0.map(\.offset).sorted() } == [10, 60, 61, 62, 63, 64],
            "11…59 were completed before the crash")
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 1) == [65])
    }

    @Test("when the completed offsets no longer fit in the metadata, the partition takes no new records until they do")
    func metadataFullPausesThePartition() async throws {
        let topic = try await kafka.topic("pp-full", partitions: 1)
        let gate = Gate()
        let handled = Mutex(0)
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-full", topic: topic, ordering: .unordered, maxConcurrency: 10_000, bufferSize: 20_000,
                maxPollRecords: 500,
                listener: .record { record, _ in
                    // Every even offset waits: each completed odd offset is a run of its own in the metadata.
                    if record.offset % 2 == 0 { await gate.wait() }
                    handled.withLock { $0 += 1 }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await kafka.produce(6_000, to: topic)
        let child = container.children[0]
        let tp = TopicPartition(topic, 0)
        try await waitUntil(
            "the partition paused for full commit metadata",
            observed: { "\(child.status) handled \(handled.withLock { $0 })" }
        ) {
            child.status.pausedPartitions[tp]?.contains(.commitMetadataFull) == true
        }
        gate.open()
        try await waitUntil(
            "everything handled and the pause lifted", timeout: .seconds(60),
            observed: { "\(child.status) handled \(handled.withLock { $0 })" }
        ) {
            handled.withLock { $0 } == 6_000 && child.status.pausedPartitions[tp] == nil
        }
        await registry.stopAll()
        #expect(try await committedOffsets(group: "pp-full", topic: topic, partitions: 1) == [6_000])
    }
}
