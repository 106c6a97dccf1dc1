import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// What a listener on a 6-partition topic receives while single partitions, the container or both are paused,
/// counted per partition.
@Suite("Partition pauses: what is delivered", .timeLimit(.minutes(5)))
struct PartitionPauseTests {
    static let partitions: Int32 = 6
    static let perPartition = 20

    /// A started listener (one child unless `concurrency` says otherwise) on a fresh 6-partition topic.
    struct Fixture {
        let registry: ListenerRegistry
        let pauses: PauseService
        let recorder: Recorder
        let topic: String
        let id: String
        /// When each record was handled.
        let handledAt: HandlingTimes

        func delivered(_ partition: Int32) -> [Int64] {
            let tp = TopicPartition(topic, partition)
            return recorder.handled.withLock { $0.filter { $0.tp == tp }.map(\.offset) }
        }

        var perPartitionCounts: [Int32: Int] {
            var counts: [Int32: Int] = [:]
            for partition in 0..<PartitionPauseTests.partitions { counts[partition] = delivered(partition).count }
            return counts
        }

        func tp(_ partition: Int32) -> TopicPartition { TopicPartition(topic, partition) }

        var children: [SingleContainer] { registry.container(id: id)?.children ?? [] }

        /// Produces `count` records to every partition.
        func produceEverywhere(_ count: Int = PartitionPauseTests.perPartition) async throws {
            for partition in 0..<PartitionPauseTests.partitions {
                try await kafka.produce(count, to: topic, partition: partition)
            }
        }

        /// Waits until every child passed `polls` more poll boundaries: records on the broker for an unpaused
        /// partition would have been fetched by then.
        func waitForPolls(_ polls: Int = 10) async throws {
            let start = children.map(\.pollsCompleted)
            try await waitUntil("\(polls) more polls", observed: { "\(children.map(\.pollsCompleted)) from \(start)" })
            {
                zip(children.map(\.pollsCompleted), start).allSatisfy { $0 - $1 >= polls }
            }
        }

        /// Waits until `partition` is paused in its owner's consumer for exactly `reasons`.
        func waitPaused(_ partition: Int32, for reasons: Set<PauseReason>) async throws {
            try await waitUntil(
                "\(tp(partition)) paused for \(reasons)", observed: { "\(children.map(\.status.partitionPauses))" }
            ) {
                children.contains { $0.status.pausedPartitions[tp(partition)] == reasons }
            }
        }

        func stop() async { await registry.stopAll() }
    }

    func started(concurrency: Int = 1, perPartition: PerPartitionOptions? = nil) async throws -> Fixture {
        let topic = try await kafka.topic("ppause", partitions: Self.partitions)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let handledAt = HandlingTimes()
        let id = kafka.unique("ppause")
        let endpoint = ListenerEndpoint(
            id: id, selection: .topics([topic]),
            listener: .record { record, context in
                handledAt.times.withLock { $0[record.topicPartition, default: []].append(.now) }
                recorder.note(record, context)
            }, concurrency: concurrency, pollTimeout: .milliseconds(20), perPartition: perPartition)
        try registry.register(endpoint)
        try await registry.startAll()
        try await waitUntil("all 6 partitions assigned", observed: { "\(registry.status)" }) {
            registry.status[0].children.flatMap(\.assignedPartitions).count == Int(Self.partitions)
        }
        return Fixture(
            registry: registry, pauses: PauseService(registry: registry), recorder: recorder, topic: topic, id: id,
            handledAt: handledAt)
    }

    /// The other five partitions deliver their records; partition 0 delivers none.
    func expectOnlyPartitionZeroHeld(_ f: Fixture, perPartition: Int = perPartition, _ comment: String) async throws {
        try await waitUntil("partitions 1…5 deliver \(perPartition) each", observed: { "\(f.perPartitionCounts)" }) {
            (1..<Self.partitions).allSatisfy { f.delivered($0).count == perPartition }
        }
        try await f.waitForPolls()
        #expect(f.delivered(0).isEmpty, "\(comment): the paused partition delivered \(f.delivered(0).count)")
    }

    /// Partition 0 delivers offsets 0..<count, in order, none twice.
    func expectPartitionZeroDelivers(_ f: Fixture, _ count: Int = perPartition) async throws {
        try await waitUntil("partition 0 delivers its \(count)", observed: { "\(f.perPartitionCounts)" }) {
            f.delivered(0).count >= count
        }
        try await f.waitForPolls()
        #expect(f.delivered(0) == (0..<Int64(count)).map { $0 }, "in order, none lost, none twice")
    }

    @Test(
        "a paused partition delivers nothing while the others deliver everything; after the resume it delivers its records in order, once"
    )
    func pauseAndResume() async throws {
        let f = try await started()
        let outcome = try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)))
        #expect(outcome.newlyPaused && outcome.resumeAt == nil)
        try await f.waitPaused(0, for: [.partition])
        try await f.produceEverywhere()
        try await expectOnlyPartitionZeroHeld(f, "after the pause")
        #expect(f.registry.status[0].children[0].partitionPauses[f.tp(0)]?.reasons == [.partition])

        #expect(try f.pauses.resume(.partition(listenerId: f.id, f.tp(0))))
        try await expectPartitionZeroDelivers(f)
        #expect((1..<Self.partitions).allSatisfy { f.delivered($0) == (0..<Int64(Self.perPartition)).map { $0 } })
        #expect(try f.pauses.resume(.partition(listenerId: f.id, f.tp(0))) == false, "a second resume changes nothing")
        await f.stop()
    }

    @Test("a partition paused for 500 ms delivers nothing before then, and everything after, on its own")
    func scheduledResume() async throws {
        let f = try await started()
        let requested = ContinuousClock.now
        let outcome = try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)), for: .milliseconds(500))
        let resumeAt = try #require(outcome.resumeAt)
        #expect(resumeAt >= requested + .milliseconds(500))
        #expect(f.pauses.scheduledResume(of: .partition(listenerId: f.id, f.tp(0))) == resumeAt)
        // The pause is seen through its event (it stays recorded if a slow machine reaches the boundary late in the
        // 500 ms), which carries the scheduled resume the status shows meanwhile.
        var pausedEvent: (tps: [TopicPartition], resumeAt: ContinuousClock.Instant?)?
        try await waitUntil("the pause event", observed: { "\(f.recorder.events.withLock { $0.map(\.kind) })" }) {
            pausedEvent = f.recorder.events.withLock { events in
                events.lazy.compactMap { event -> ([TopicPartition], ContinuousClock.Instant?)? in
                    if case .paused(let tps, _, let resumeAt) = event.kind, tps.contains(f.tp(0)) {
                        (tps, resumeAt)
                    } else {
                        nil
                    }
                }.first
            }
            return pausedEvent != nil
        }
        #expect(pausedEvent?.resumeAt == resumeAt, "the pause reports its scheduled resume")
        try await f.produceEverywhere()
        try await expectPartitionZeroDelivers(f)
        let first = try #require(f.handledAt.times.withLock { $0[f.tp(0)]?.min() })
        #expect(first >= resumeAt, "partition 0 delivered \(resumeAt - first) before its scheduled resume")
        #expect(f.pauses.scheduledResume(of: .partition(listenerId: f.id, f.tp(0))) == nil)
        #expect(f.registry.status[0].children[0].partitionPauses.isEmpty)
        await f.stop()
    }

    @Test("partition pause first, then container pause: resuming the container leaves the partition paused")
    func partitionThenContainer() async throws {
        let f = try await started()
        try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)))
        try f.pauses.pause(.listener(f.id))
        try await f.waitPaused(0, for: [.partition, .container])
        try await f.waitPaused(1, for: [.container])
        try await f.produceEverywhere()
        try await f.waitForPolls()
        #expect(f.recorder.count == 0, "everything is paused: \(f.perPartitionCounts)")

        #expect(try f.pauses.resume(.listener(f.id)))
        try await expectOnlyPartitionZeroHeld(f, "after the container resume")
        try f.pauses.resume(.partition(listenerId: f.id, f.tp(0)))
        try await expectPartitionZeroDelivers(f)
        await f.stop()
    }

    @Test("container pause first, then partition pause: resuming the partition leaves the container paused")
    func containerThenPartition() async throws {
        let f = try await started()
        try f.pauses.pause(.listener(f.id))
        try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)))
        try await f.waitPaused(0, for: [.partition, .container])
        #expect(try f.pauses.resume(.partition(listenerId: f.id, f.tp(0))))
        try await f.waitPaused(0, for: [.container])
        try await f.produceEverywhere()
        try await f.waitForPolls()
        #expect(f.recorder.count == 0, "the container pause still holds: \(f.perPartitionCounts)")

        try f.pauses.resume(.listener(f.id))
        try await waitUntil("every partition delivers", observed: { "\(f.perPartitionCounts)" }) {
            f.recorder.count == Int(Self.partitions) * Self.perPartition
        }
        try await f.waitForPolls()
        #expect(f.recorder.count == Int(Self.partitions) * Self.perPartition)
        await f.stop()
    }

    @Test("a partition pause holds in a concurrent listener, in whichever child owns the partition")
    func concurrentListener() async throws {
        let f = try await started(concurrency: 3)
        try await waitUntil("every child has partitions", observed: { "\(f.registry.status)" }) {
            f.children.allSatisfy { !$0.assignedPartitions.isEmpty }
        }
        try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)))
        try await f.waitPaused(0, for: [.partition])
        try await f.produceEverywhere()
        try await expectOnlyPartitionZeroHeld(f, "concurrency 3")
        try f.pauses.resume(.partition(listenerId: f.id, f.tp(0)))
        try await expectPartitionZeroDelivers(f)
        await f.stop()
    }

    @Test(
        "a per-partition container with one partition paused: the others keep flowing",
        arguments: [RecordOrdering.partition, .key])
    func perPartitionContainer(ordering: RecordOrdering) async throws {
        let f = try await started(perPartition: PerPartitionOptions(ordering: ordering))
        try f.pauses.pause(.partition(listenerId: f.id, f.tp(0)))
        try await f.waitPaused(0, for: [.partition])
        try await f.produceEverywhere()
        try await expectOnlyPartitionZeroHeld(f, "per-partition, \(ordering) ordering")
        try f.pauses.resume(.partition(listenerId: f.id, f.tp(0)))
        try await waitUntil("partition 0 delivers", observed: { "\(f.perPartitionCounts)" }) {
            f.delivered(0).count == Self.perPartition
        }
        if ordering == .partition {
            #expect(f.delivered(0) == (0..<Int64(Self.perPartition)).map { $0 })
        } else {
            #expect(Set(f.delivered(0)) == Set(0..<Int64(Self.perPartition)), "each once")
        }
        await f.stop()
    }

    @Test("a partition of a topic the listener does not read, or a negative partition, is refused; nothing changes")
    func refusedTargets() async throws {
        let f = try await started()
        #expect(throws: ListenerError.self) {
            try f.pauses.pause(.partition(listenerId: f.id, TopicPartition("elsewhere", 0)))
        }
        #expect(throws: ListenerError.self) {
            try f.pauses.pause(.partition(listenerId: f.id, TopicPartition(f.topic, -1)))
        }
        #expect(throws: ListenerError.unknownListenerId("nope")) {
            try f.pauses.pause(.partition(listenerId: "nope", f.tp(0)))
        }
        #expect(f.children.allSatisfy { $0.status.requestedPartitionPauses.isEmpty })
        try await f.produceEverywhere(5)
        try await waitUntil("every partition delivers", observed: { "\(f.perPartitionCounts)" }) {
            f.recorder.count == 30
        }
        await f.stop()
    }
}

/// When each record was handled, per partition.
final class HandlingTimes: Sendable {
    let times = Mutex<[TopicPartition: [ContinuousClock.Instant]]>([:])
}
