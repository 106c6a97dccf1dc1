import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Container behaviour: failures, stuck listeners, idleness, nack", .timeLimit(.minutes(10)))
struct ContainerBehaviourTests {
    @Test(
        "a listener that throws does not stop the container; the failure is an event and the record counts as processed"
    )
    func throwingListener() async throws {
        let topic = try await kafka.topic("throws", partitions: 1)
        try await kafka.produce(10, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        struct Boom: Error {}
        let id = kafka.unique("throws")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    recorder.note(record, context)
                    if record.offset == 3 || record.offset == 7 { throw Boom() }
                }))
        try await registry.startAll()
        try await waitUntil("10 records", observed: { "\(recorder.count)" }) { recorder.count >= 10 }
        // The default error handler (Spring-Kafka's): ten attempts without delay, then log and skip.
        try await waitUntil(
            "both failing records recovered", observed: { "\(recorder.events.withLock { $0.suffix(3) })" }
        ) {
            recorder.events(matching: { if case .recovered = $0 { true } else { false } }).count == 2
        }
        #expect(recorder.events(matching: { if case .listenerFailed = $0 { true } else { false } }).count == 20)
        #expect(recorder.handledCounts.values.first?[3] == 10 && recorder.handledCounts.values.first?[7] == 10)
        #expect(registry.status.first?.isRunning == true)
        await registry.stopAll()
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 1) == [10])
    }

    @Test(
        "sync commits: the commit of one poll is answered before the next poll's records reach the listener (the round trip overlaps the fetch)"
    )
    func syncCommitBeforeNextBatch() async throws {
        let topic = try await kafka.topic("sync-commit-order", partitions: 1)
        try await kafka.produce(300, to: topic, partition: 0)
        let registry = makeRegistry()
        let id = kafka.unique("sync-commit-order")
        let commits = CommitNoter()
        let batches = Mutex<[(first: Int64, count: Int, committed: Int64)]>([])
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .batch { records, _ in
                    // What the commit interceptor has seen acknowledged by the broker when this batch arrives.
                    batches.withLock { $0.append((records.first!.offset, records.count, commits.highest)) }
                }, ackMode: .batch, commitMode: .sync, maxPollRecords: 20,
                interceptors: Interceptors(consumer: [commits])))
        try await registry.startAll()
        try await waitUntil("300 records", observed: { "\(batches.withLock { $0.reduce(0) { $0 + $1.count } })" }) {
            batches.withLock { $0.reduce(0) { $0 + $1.count } } >= 300
        }
        await registry.stopAll()
        let seen = batches.withLock { $0 }
        #expect(seen.count >= 15, "batches: \(seen.count)")
        for batch in seen.dropFirst() {
            // Every record before this batch was committed (next offset = this batch's first) before it was handed out.
            #expect(batch.committed == batch.first, "batch at \(batch.first) saw commits up to \(batch.committed)")
        }
        #expect(commits.highest == 300)
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 1) == [300])
    }

    @Test(
        "a synchronous record listener gets every record once, in order; its throws go to the error handler; batch ack commits all"
    )
    func synchronousListener() async throws {
        let topic = try await kafka.topic("sync-listener", partitions: 2)
        try await kafka.produce(200, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        struct Boom: Error {}
        let id = kafka.unique("sync-listener")
        let attempts = Mutex<[Int64: Int]>([:])
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .syncRecord { record, context in
                    if record.partition == 0 && record.offset == 5 {
                        let attempt = attempts.withLock {
                            $0[5, default: 0] += 1
                            return $0[5]!
                        }
                        if attempt < 3 { throw Boom() }  // succeeds on the third attempt
                    }
                    recorder.note(record, context)
                }, ackMode: .batch, maxPollRecords: 50))
        try await registry.startAll()
        try await waitUntil("200 records", observed: { "\(recorder.count)" }) { recorder.count >= 200 }
        await registry.stopAll()
        let handled = recorder.handled.withLock { $0 }
        for partition: Int32 in 0..<2 {
            let offsets = handled.filter { $0.tp.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(offsets.count)), "partition \(partition): each record once, in order")
        }
        #expect(handled.count == 200)
        #expect(recorder.events(matching: { if case .listenerFailed = $0 { true } else { false } }).count == 2)
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 2).reduce(0, +) == 200)
    }

    @Test("a listener slower than the threshold is reported non-responsive")
    func nonResponsive() async throws {
        let topic = try await kafka.topic("stuck", partitions: 1)
        try await kafka.produce(1, to: topic)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        let release = Mutex<Bool>(false)
        try registry.register(
            ListenerEndpoint(
                id: kafka.unique("stuck"), selection: .topics([topic]),
                listener: .record { record, context in
                    while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                    recorder.note(record, context)
                }, nonResponsiveThreshold: .milliseconds(300)))
        try await registry.startAll()
        try await waitUntil(
            "a non-responsive event", observed: { "\(recorder.events.withLock { $0.map(\.description) })" }
        ) {
            !recorder.events(matching: { if case .nonResponsive = $0 { true } else { false } }).isEmpty
        }
        release.withLock { $0 = true }
        try await waitUntil("the record handled") { recorder.count == 1 }
        await registry.stopAll()
    }

    @Test("no records for the idle interval emits an idle event")
    func idleEvent() async throws {
        let topic = try await kafka.topic("idle", partitions: 1)
        let registry = makeRegistry()
        let recorder = Recorder()
        recorder.record(registry.events)
        try registry.register(
            ListenerEndpoint(
                id: kafka.unique("idle"), selection: .topics([topic]), listener: .record { _, _ in },
                idleEventInterval: .milliseconds(200)))
        try await registry.startAll()
        try await waitUntil("an idle event") {
            !recorder.events(matching: { if case .idle = $0 { true } else { false } }).isEmpty
        }
        await registry.stopAll()
    }

    @Test("nack re-delivers the record after the sleep, and the records after it only then, in order")
    func nackRedeliversAfterSleep() async throws {
        let topic = try await kafka.topic("nack", partitions: 1)
        try await kafka.produce(10, to: topic, partition: 0)
        let registry = makeRegistry()
        let recorder = Recorder()
        let nacked = Mutex<ContinuousClock.Instant?>(nil)
        let redelivered = Mutex<ContinuousClock.Instant?>(nil)
        let nackSleep = Duration.milliseconds(500)
        let id = kafka.unique("nack")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    if record.offset == 3 {
                        if nacked.withLock({ $0 }) == nil {
                            nacked.withLock { $0 = .now }
                            try context.acknowledgment.nack(sleep: nackSleep)
                            return
                        }
                        redelivered.withLock { $0 = $0 ?? .now }
                    }
                    recorder.note(record, context)
                    context.acknowledgment.acknowledge()
                }, ackMode: .manual, pollTimeout: .milliseconds(20)))
        try await registry.startAll()
        try await waitUntil("all 10 records", observed: { "\(recorder.count)" }) { recorder.count >= 10 }
        let gap = try #require(redelivered.withLock { $0 }) - #require(nacked.withLock { $0 })
        #expect(gap >= nackSleep, "re-delivered after \(gap)")
        // Offsets 4…9 were not handled before the re-delivery of 3: order kept.
        #expect(recorder.handled.withLock { $0.map(\.offset) } == Array(0..<10))
        await registry.stopAll()
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 1) == [10])
    }

    @Test(
        "nack pauses only its partition: the other partition flows; stopping ends the sleep and commits up to the nack")
    func nackPausesOnePartition() async throws {
        let topic = try await kafka.topic("nack-one", partitions: 2)
        try await kafka.produce(10, to: topic, partition: 0)
        let registry = makeRegistry()
        let recorder = Recorder()
        let nacked = Mutex<Bool>(false)
        // A sleep no run outlasts: the check below does not depend on how fast the machine is.
        let nackSleep = Duration.seconds(600)
        let id = kafka.unique("nack-one")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    if record.partition == 0 && record.offset == 3 && !nacked.withLock({ $0 }) {
                        nacked.withLock { $0 = true }
                        try context.acknowledgment.nack(sleep: nackSleep)
                        return
                    }
                    recorder.note(record, context)
                    context.acknowledgment.acknowledge()
                }, ackMode: .manual, pollTimeout: .milliseconds(20)))
        try await registry.startAll()
        try await waitUntil("the nack") { nacked.withLock { $0 } }
        try await kafka.produce(10, to: topic, partition: 1)
        try await waitUntil("partition 1's records", observed: { "\(recorder.count)" }) {
            recorder.handledCounts[TopicPartition(topic, 1)]?.count == 10
        }
        let p0 = recorder.handled.withLock { $0.filter { $0.tp.partition == 0 }.map(\.offset) }
        #expect(p0 == [0, 1, 2], "partition 0 waits at the nacked record")
        let stopping = ContinuousClock.now
        await registry.stopAll()
        #expect(ContinuousClock.now - stopping < nackSleep, "stop does not wait for the nack's sleep")
        #expect(try await committedOffsets(group: id, topic: topic, partitions: 2) == [3, 10])
    }

    @Test("nack in an automatic ack mode is refused with a clear error")
    func nackRefusedInAutomaticMode() async throws {
        let topic = try await kafka.topic("nackauto", partitions: 1)
        try await kafka.produce(1, to: topic)
        let registry = makeRegistry()
        let failure = Mutex<Error?>(nil)
        try registry.register(
            ListenerEndpoint(
                id: kafka.unique("nackauto"), selection: .topics([topic]),
                listener: .record { _, context in
                    do { try context.acknowledgment.nack(sleep: .seconds(1)) } catch { failure.withLock { $0 = error } }
                }))
        try await registry.startAll()
        try await waitUntil("the nack attempt") { failure.withLock { $0 } != nil }
        #expect("\(failure.withLock { $0 }!)".contains("only available in manual ack modes"))
        await registry.stopAll()
    }
}

/// Notes, through a consumer interceptor's commit hooks (called on the consumer's thread when a commit's answer
/// is handled), the highest offset the broker confirmed and when each refused commit was reported.
final class CommitNoter: ConsumerInterceptor {
    private let committed = Mutex<Int64>(0)
    private let refusals = Mutex<[ContinuousClock.Instant]>([])
    var highest: Int64 { committed.withLock { $0 } }
    var refusalTimes: [ContinuousClock.Instant] { refusals.withLock { $0 } }
    func onConsume(_ records: [ConsumerRecord]) -> [ConsumerRecord] { records }
    func onCommit(_ offsets: [TopicPartitionOffset]) {
        committed.withLock { value in value = max(value, offsets.map(\.offset.rawValue).max() ?? value) }
    }
    func onCommitFailed(_ offsets: [TopicPartitionOffset], error: KafkaError) {
        let now = ContinuousClock.now
        refusals.withLock { $0.append(now) }
    }
}
