import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// A mode, and how many records per partition a crash may re-deliver under it (nil: no static bound).
struct CrashCase: Sendable, CustomTestStringConvertible {
    var mode: AckMode
    /// `nil`: the library's default (asynchronous commits).
    var commitMode: CommitMode? = .sync
    var bound: Int?
    var testDescription: String {
        switch commitMode {
        case .sync: "\(mode) sync"
        case .async: "\(mode) async"
        case nil: "\(mode), default commit mode"
        }
    }
}

@Suite("A crash re-delivers at most what the ack mode allows", .timeLimit(.minutes(10)))
struct CrashTests {
    static let maxPoll = 10

    @Test(
        "crash mid-stream, restart in the same group: every record handled, duplicates within the mode's bound",
        arguments: [
            CrashCase(mode: .record, bound: 1),
            CrashCase(mode: .batch, bound: maxPoll),
            CrashCase(mode: .count(5), bound: 5 + maxPoll),
            CrashCase(mode: .countTime(5, .seconds(3600)), bound: 5 + maxPoll),
            CrashCase(mode: .time(.milliseconds(100)), bound: nil),
            CrashCase(mode: .manual, bound: maxPoll),
            CrashCase(mode: .manualImmediate, bound: 1),
            // The default (asynchronous commits): a crash also re-delivers what was handled while the last commit was
            // under way. How much that is depends on how long the commit's round trip took, which on a loaded machine
            // can be several polls: the fixed bounds of Docs/Listeners.md assume a round trip shorter than a poll's
            // handling, so here the check is the exact one — what is re-delivered is what was handled after the last
            // commit the broker answered (below, for every case) — and only manualImmediate, which commits
            // synchronously, keeps a fixed bound.
            CrashCase(mode: .record, commitMode: nil, bound: nil),
            CrashCase(mode: .batch, commitMode: nil, bound: nil),
            CrashCase(mode: .count(5), commitMode: nil, bound: nil),
            CrashCase(mode: .countTime(5, .seconds(3600)), commitMode: nil, bound: nil),
            CrashCase(mode: .time(.milliseconds(100)), commitMode: nil, bound: nil),
            CrashCase(mode: .manual, commitMode: nil, bound: nil),
            CrashCase(mode: .manualImmediate, commitMode: nil, bound: 1),
        ])
    func crashAndRestart(_ crash: CrashCase) async throws {
        let count = 200
        let topic = try await kafka.topic("crash", partitions: 2)
        try await kafka.produce(count, to: topic)
        let group = kafka.unique("crash")
        let phase1 = Recorder()
        let phase2 = Recorder()

        // The first container handles `beforeCrash` records, then its listener waits on the next one until the
        // crash cancels it: the crash comes mid-stream however fast or slow the machine is.
        let beforeCrash = 60
        func endpoint(_ id: String, _ recorder: Recorder, holdAfter: Int? = nil) -> ListenerEndpoint {
            let started = CallCount()
            var endpoint = ListenerEndpoint(
                id: id, selection: .topics([topic]),
                listener: .record { record, context in
                    // Handling a poll (10 records) takes longer than a commit's round trip even on a loaded
                    // machine: the bounds below assume it (see the ack-mode table in Docs/Listeners.md).
                    try await Task.sleep(for: .milliseconds(5))
                    if let holdAfter, started.next() > holdAfter {
                        try await Task.sleep(for: .seconds(120))  // thrown out of by the crash's cancellation
                    }
                    recorder.note(record, context)
                    context.acknowledgment.acknowledge()
                }, groupId: group, ackMode: crash.mode, maxPollRecords: Self.maxPoll)
            if let commitMode = crash.commitMode { endpoint.commitMode = commitMode }
            return endpoint
        }

        let first = makeRegistry()
        phase1.record(first.events)
        let container = try first.register(endpoint("first", phase1, holdAfter: beforeCrash))
        try await first.startAll()
        try await waitUntil("\(beforeCrash) records before the crash", observed: { "\(phase1.count)" }) {
            phase1.count >= beforeCrash
        }
        await container.simulateCrash()
        let handledBeforeCrash = phase1.handledCounts
        #expect(phase1.count < count, "the crash must come mid-stream")

        let second = makeRegistry()
        phase2.record(second.events)
        try second.register(endpoint("second", phase2))
        try await second.startAll()
        try await waitUntil(
            "every record handled once the second container ran",
            observed: { "\(phase1.count) + \(phase2.count)" }
        ) {
            let all = phase1.handledCounts.merging(phase2.handledCounts) { $0.merging($1) { $0 + $1 } }
            return all.values.reduce(0) { $0 + $1.count } >= count
        }
        await second.stopAll()

        for partition: Int32 in 0..<2 {
            let tp = TopicPartition(topic, partition)
            let before = Set(handledBeforeCrash[tp]?.keys.map { $0 } ?? [])
            let after = Set(phase2.handledCounts[tp]?.keys.map { $0 } ?? [])
            // The second container starts exactly at the last offset the first one committed.
            let lastCommitted = phase1.commits(tp).max() ?? 0
            // Committed never runs ahead of handled: the first container committed nothing past what it handled.
            let handledThrough = (handledBeforeCrash[tp]?.keys.max()).map { $0 + 1 } ?? 0
            #expect(
                lastCommitted <= handledThrough, "\(tp): committed \(lastCommitted), handled through \(handledThrough)")
            #expect(
                after.min() == lastCommitted || (after.isEmpty && lastCommitted == Int64(before.count)),
                "\(tp): restart at \(String(describing: after.min())), last commit \(lastCommitted)")
            let duplicates = before.intersection(after).count
            // Re-delivered is exactly what was handled at or after the last answered commit, nothing before it.
            #expect(
                before.intersection(after).allSatisfy { $0 >= lastCommitted },
                "\(tp): a record before the last commit came again")
            #expect(
                Int64(duplicates) <= max(handledThrough - lastCommitted, 0),
                "\(tp): \(duplicates) duplicates, \(handledThrough - lastCommitted) handled after the last commit")
            if let bound = crash.bound {
                #expect(duplicates <= bound, "\(tp): \(duplicates) duplicates, mode allows \(bound)")
            }
            // Within one run, no record is handled twice.
            #expect(handledBeforeCrash[tp]?.values.allSatisfy { $0 == 1 } ?? true)
            #expect(phase2.handledCounts[tp]?.values.allSatisfy { $0 == 1 } ?? true)
        }
    }
}

/// Counts calls across tasks (a listener closure captures it).
final class CallCount: Sendable {
    private let value = Atomic<Int>(0)
    /// Counts one call and returns how many there have been, this one included.
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
