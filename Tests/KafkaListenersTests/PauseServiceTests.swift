import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Pause service", .timeLimit(.minutes(10)))
struct PauseServiceTests {
    /// A started single-child listener on a fresh topic, its recorder and its pause service.
    func started(
        partitions: Int32 = 1, concurrency: Int = 1, maxPollRecords: Int = 500, extra: [String: String] = [:],
        listener: (@Sendable (ConsumerRecord, ListenerContext) async throws -> Void)? = nil
    ) async throws -> (ListenerRegistry, PauseService, Recorder, String, String) {
        let topic = try await kafka.topic("pause", partitions: partitions)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let id = kafka.unique("pause")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    try await listener?(record, context)
                    recorder.note(record, context)
                }, concurrency: concurrency, maxPollRecords: maxPollRecords, pollTimeout: .milliseconds(20),
                consumerProperties: extra))
        try await registry.startAll()
        try await waitUntil("assigned", observed: { "\(registry.status)" }) {
            registry.status[0].children.allSatisfy { !$0.assignedPartitions.isEmpty }
        }
        return (registry, PauseService(registry: registry), recorder, topic, id)
    }

    @Test("a 1 s pause resumes on its own: nothing is delivered meanwhile, the next record follows the last processed")
    func timedPause() async throws {
        let (registry, pauses, recorder, topic, id) = try await started()
        try await kafka.produce(6, to: topic)  // offsets 0…5
        try await waitUntil("offsets 0…5", observed: { "\(recorder.count)" }) { recorder.count == 6 }

        // The gap counts from the request: the resume is scheduled 1 s after it, while the pause itself takes
        // effect at the next poll boundary (later still under load). The pause is seen through its event, which
        // stays recorded even if a slow machine reaches the boundary late in the second.
        let pausedAt = ContinuousClock.now
        let outcome = try pauses.pause(.listener(id), for: .seconds(1))
        #expect(outcome.newlyPaused && outcome.resumeAt != nil)
        try await waitUntil("the pause takes effect", observed: { "\(registry.status)" }) {
            !recorder.events(matching: { if case .paused = $0 { true } else { false } }).isEmpty
        }
        try await kafka.produce(3, to: topic)  // offsets 6, 7, 8
        try await waitUntil("records after the resume", observed: { "\(recorder.count)" }) { recorder.count == 9 }
        let gap = ContinuousClock.now - pausedAt
        #expect(gap >= .seconds(1), "records arrived \(gap) after the pause was requested")
        #expect(
            recorder.handled.withLock { $0.map(\.offset) } == Array(0...8),
            "5 → 6, 7, 8: nothing skipped, nothing repeated")
        #expect(pauses.scheduledResume(of: .listener(id)) == nil)
        await registry.stopAll()
    }

    @Test("a paused container keeps its partitions: no rebalance during a pause longer than max.poll.interval.ms")
    func noRebalanceWhilePaused() async throws {
        let (registry, pauses, recorder, topic, id) = try await started(
            extra: ["max.poll.interval.ms": "3000", "session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
        try pauses.pause(.listener(id), for: .seconds(6))
        try await kafka.produce(5, to: topic)
        try await waitUntil("the resume and the 5 records", timeout: .seconds(30), observed: { "\(recorder.count)" }) {
            recorder.count == 5
        }
        let revokes = recorder.events(matching: { if case .partitionsRevoked = $0 { true } else { false } })
        #expect(revokes.isEmpty, "a pause must not cost the assignment: \(revokes)")
        await registry.stopAll()
    }

    @Test(
        "pausing twice does not stack; a longer duration extends, a shorter one does not shorten; resume cancels the schedule"
    )
    func idempotentAndExtending() async throws {
        let (registry, pauses, _, _, id) = try await started()
        let first = try pauses.pause(.listener(id), for: .seconds(60))
        let again = try pauses.pause(.listener(id), for: .seconds(1))
        #expect(first.newlyPaused && !again.newlyPaused)
        #expect(again.resumeAt == first.resumeAt, "a shorter pause must not shorten the scheduled resume")
        let longer = try pauses.pause(.listener(id), for: .seconds(120))
        #expect(longer.resumeAt! > first.resumeAt!)
        #expect(try pauses.resume(.listener(id)) == true)
        #expect(pauses.scheduledResume(of: .listener(id)) == nil)
        #expect(try pauses.resume(.listener(id)) == false)
        await registry.stopAll()
    }

    @Test("pausing one child leaves its siblings running; the pause survives a rebalance")
    func childPauseAndRebalance() async throws {
        let (registry, pauses, recorder, topic, id) = try await started(partitions: 4, concurrency: 2)
        let paused = "\(id)-0"
        try pauses.pause(.container(paused))
        try await waitUntil("child 0 paused", observed: { "\(registry.status)" }) {
            registry.childContainer(id: paused)!.status.isPaused
        }
        for partition: Int32 in 0..<4 { try await kafka.produce(10, to: topic, partition: partition) }
        let sibling = registry.childContainer(id: "\(id)-1")!.assignedPartitions
        try await waitUntil(
            "the sibling's 10 records per partition", observed: { "\(recorder.handledCounts.mapValues(\.count))" }
        ) {
            recorder.count == 10 * sibling.count
        }
        #expect(recorder.handled.withLock { $0.allSatisfy { $0.container != paused } })

        // A rebalance: a second listener joins the same group; child 0's new partitions stay paused.
        let other = makeRegistry()
        try other.register(
            ListenerEndpoint(id: "other", selection: .topics([topic]), listener: .record { _, _ in }, groupId: id))
        try await other.startAll()
        try await waitUntil(
            "the rebalance settles", timeout: .seconds(30), observed: { "\(registry.status) \(other.status)" }
        ) {
            !(other.childContainer(id: "other-0")?.assignedPartitions.isEmpty ?? true)
                && !registry.childContainer(id: paused)!.assignedPartitions.isEmpty
                && registry.childContainer(id: paused)!.status.isPaused
        }
        #expect(registry.childContainer(id: paused)!.isPauseRequested)
        await other.stopAll()
        await registry.stopAll()
    }

    @Test("an immediate pause gives the rest of the poll back; after the resume nothing is skipped")
    func immediatePause() async throws {
        let gate = Mutex<Bool>(false)
        let pausesBox = Mutex<(PauseService, String)?>(nil)
        let (registry, pauses, recorder, topic, id) = try await started(maxPollRecords: 50) { record, _ in
            // Pause immediately from inside the listener at offset 2.
            if record.offset == 2, !gate.withLock({ $0 }) {
                gate.withLock { $0 = true }
                if let (service, id) = pausesBox.withLock({ $0 }) { try service.pause(.listener(id), immediate: true) }
            }
        }
        pausesBox.withLock { $0 = (pauses, id) }
        try await kafka.produce(20, to: topic)
        try await waitUntil("the pause", observed: { "\(recorder.count)" }) { registry.status[0].isPaused }
        #expect(recorder.count == 3, "offsets 0, 1, 2 handled; the rest of the poll given back")
        try pauses.resume(.listener(id))
        try await waitUntil("all 20", observed: { "\(recorder.count)" }) { recorder.count == 20 }
        #expect(recorder.handled.withLock { $0.map(\.offset) } == Array(0..<20))
        await registry.stopAll()
    }

    @Test("unknown or blank ids are refused with a clear error and nothing else changes")
    func badTargets() async throws {
        let (registry, pauses, _, _, id) = try await started()
        #expect(throws: ListenerError.unknownListenerId("nope")) { try pauses.pause(.listener("nope")) }
        #expect(throws: ListenerError.unknownListenerId(" ")) { try pauses.pause(.listener(" ")) }
        #expect(throws: ListenerError.unknownListenerId("\(id)-9")) { try pauses.pause(.container("\(id)-9")) }
        #expect(throws: ListenerError.self) {
            try pauses.pause(.partition(listenerId: id, TopicPartition("elsewhere", 0)))
        }
        #expect(!registry.status[0].isPauseRequested)
        await registry.stopAll()
    }
}
