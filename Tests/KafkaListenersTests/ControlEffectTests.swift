import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// Controls other than pause and resume, checked by what the listener receives: start and stop, a pause
/// requested before start, seeks to the end, and an immediate partition pause.
@Suite("Controls change what is delivered", .timeLimit(.minutes(5)))
struct ControlEffectTests {
    /// A registered (not started) listener on a fresh topic of `partitions` partitions.
    func registered(
        partitions: Int32 = 2, maxPollRecords: Int = 500,
        onRecord: @escaping @Sendable (ConsumerRecord) throws -> Void = { _ in }
    ) async throws -> (ListenerRegistry, Recorder, String, String) {
        let topic = try await kafka.topic("effect", partitions: partitions)
        let registry = makeRegistry()
        let recorder = Recorder()
        let id = kafka.unique("effect")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    try onRecord(record)
                    recorder.note(record, context)
                }, maxPollRecords: maxPollRecords, pollTimeout: .milliseconds(20)))
        return (registry, recorder, topic, id)
    }

    func child(_ registry: ListenerRegistry, _ id: String) throws -> SingleContainer {
        try #require(registry.container(id: id)?.children.first)
    }

    /// Waits for `count` more poll boundaries of `child`.
    func waitForPolls(_ child: SingleContainer, _ count: Int = 10) async throws {
        let start = child.pollsCompleted
        try await waitUntil("\(count) more polls", observed: { "\(child.pollsCompleted) from \(start)" }) {
            child.pollsCompleted >= start + count
        }
    }

    func assigned(_ registry: ListenerRegistry, _ partitions: Int) async throws {
        try await waitUntil("\(partitions) partitions assigned", observed: { "\(registry.status)" }) {
            registry.status[0].children.flatMap(\.assignedPartitions).count == partitions
        }
    }

    @Test("a listener paused before it starts receives nothing after the start until it is resumed")
    func pausedBeforeStart() async throws {
        let (registry, recorder, topic, id) = try await registered()
        try registry.pause(id)  // what KafkaApplication does for .pausedAtStart()
        try await registry.startAll()
        try await assigned(registry, 2)
        try await kafka.produce(10, to: topic)
        let child = try child(registry, id)
        try await waitUntil("paused in the consumer", observed: { "\(child.status)" }) { child.status.isPaused }
        try await waitForPolls(child)
        #expect(recorder.count == 0, "a listener paused at start handled \(recorder.count) records")
        try registry.resume(id)
        try await waitUntil("the 10 records after the resume", observed: { "\(recorder.count)" }) {
            recorder.count == 10
        }
        await registry.stopAll()
    }

    @Test(
        "stop ends delivery and commits; start again delivers only what came since, once; a partition pause survives the restart"
    )
    func stopAndStart() async throws {
        let (registry, recorder, topic, id) = try await registered()
        try await registry.startAll()
        try await assigned(registry, 2)
        try await kafka.produce(10, to: topic, partition: 1)
        try await waitUntil("10 records", observed: { "\(recorder.count)" }) { recorder.count == 10 }
        let tp0 = TopicPartition(topic, 0)
        let pauses = PauseService(registry: registry)
        try pauses.pause(.partition(listenerId: id, tp0))
        try await registry.stop(id)
        #expect(!registry.status[0].isRunning)
        try await kafka.produce(5, to: topic, partition: 0)
        try await kafka.produce(5, to: topic, partition: 1)
        #expect(recorder.count == 10, "nothing is delivered while stopped")

        try await registry.start(id)
        try await assigned(registry, 2)
        let child = try child(registry, id)
        try await waitUntil("the 5 new records of partition 1", observed: { "\(recorder.handledCounts)" }) {
            recorder.count == 15
        }
        try await waitForPolls(child)
        let counts = recorder.handledCounts
        #expect(
            counts[TopicPartition(topic, 1)]?.count == 15
                && counts[TopicPartition(topic, 1)]?.values.allSatisfy { $0 == 1 } == true, "each once: \(counts)")
        #expect(counts[tp0] == nil, "partition 0's pause holds across the restart: \(counts)")
        try pauses.resume(.partition(listenerId: id, tp0))
        try await waitUntil("partition 0's 5 records", observed: { "\(recorder.handledCounts)" }) {
            recorder.count == 20
        }
        await registry.stopAll()
    }

    @Test("a seek to the end skips what waits; later records are delivered")
    func seekToEnd() async throws {
        let (registry, recorder, topic, id) = try await registered()
        try await registry.startAll()
        try await assigned(registry, 2)
        let child = try child(registry, id)
        try registry.pause(id)
        try await waitUntil("paused", observed: { "\(child.status)" }) { child.status.isPaused }
        try await kafka.produce(10, to: topic)
        // as the control plane's seek latest
        for tp in child.assignedPartitions { child.seek(tp, to: KafkaOffset.end.rawValue) }
        try await waitForPolls(child)
        try registry.resume(id)
        try await waitForPolls(child)
        try await kafka.produce(3, to: topic, valuePrefix: "after-")
        try await waitUntil("the 3 later records", observed: { "\(recorder.count)" }) { recorder.count >= 3 }
        try await waitForPolls(child)
        #expect(recorder.count == 3, "the 10 waiting records were skipped: \(recorder.handledCounts)")
        await registry.stopAll()
    }

    @Test(
        "an immediate partition pause from inside the listener gives back the rest of that partition's poll; the resume delivers it, in order, once"
    )
    func immediatePartitionPause() async throws {
        let service = Mutex<(PauseService, String)?>(nil)
        let (registry, recorder, topic, id) = try await registered(maxPollRecords: 100) { record in
            if record.partition == 0, record.offset == 2, let (pauses, id) = service.withLock({ $0 }) {
                try pauses.pause(.partition(listenerId: id, record.topicPartition), immediate: true)
            }
        }
        let pauses = PauseService(registry: registry)
        service.withLock { $0 = (pauses, id) }
        try await registry.startAll()
        try await assigned(registry, 2)
        let child = try child(registry, id)
        try await kafka.produce(20, to: topic, partition: 0)
        try await kafka.produce(20, to: topic, partition: 1)
        let tp0 = TopicPartition(topic, 0)
        let tp1 = TopicPartition(topic, 1)
        let offsets = { (tp: TopicPartition) in recorder.handled.withLock { $0.filter { $0.tp == tp }.map(\.offset) } }
        try await waitUntil("partition 1's 20", observed: { "\(recorder.handledCounts)" }) { offsets(tp1).count == 20 }
        try await waitUntil("partition 0 paused", observed: { "\(child.status)" }) {
            child.status.pausedPartitions[tp0] == [.partition]
        }
        try await waitForPolls(child)
        #expect(offsets(tp0) == [0, 1, 2], "the rest of partition 0's poll was given back")
        service.withLock { $0 = nil }
        try pauses.resume(.partition(listenerId: id, tp0))
        try await waitUntil("partition 0's 20", observed: { "\(offsets(tp0))" }) { offsets(tp0).count >= 20 }
        try await waitForPolls(child)
        #expect(offsets(tp0) == Array(0..<20), "in order, once")
        await registry.stopAll()
    }
}
