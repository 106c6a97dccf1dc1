import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// What a rebalance listener saw, per callback.
final class RebalanceLog: Sendable {
    struct Entry: Sendable {
        var kind: String
        var container: String
        var partitions: [TopicPartition]
        /// For a revoke: the group's committed offset of each partition, read inside the callback.
        var committed: [TopicPartition: Int64]
        /// For a revoke: the highest offset handled of each partition when the callback ran.
        var handledMax: [TopicPartition: Int64]
    }

    let entries = Mutex<[Entry]>([])

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    func entries(_ kind: String, container: String? = nil) -> [Entry] {
        entries.withLock { $0.filter { $0.kind == kind && (container == nil || $0.container == container) } }
    }

    var summary: String {
        entries.withLock { $0.map { "\($0.kind) \($0.container) \($0.partitions.map(\.partition))" } }
            .joined(separator: "; ")
    }
}

@Suite("Rebalance callbacks: assigned, and revoked after the commit", .timeLimit(.minutes(5)))
struct RebalanceListenerTests {
    /// A listener that records what it handled and what its rebalance callbacks saw; commits only at revoke and stop
    /// (a time ack mode far in the future), so any commit before a revoke callback is the revoke's own.
    func endpoint(
        _ id: String, topic: String, group: String, _ recorder: Recorder, _ log: RebalanceLog
    )
        -> ListenerEndpoint
    {
        ListenerEndpoint(
            id: id, selection: .topics([topic]),
            listener: .record { record, context in recorder.note(record, context) },
            groupId: group, ackMode: .time(.seconds(600)), pollTimeout: .milliseconds(20),
            rebalanceListener: RebalanceListener(
                assigned: { context in
                    log.append(
                        .init(
                            kind: "assigned", container: context.containerId, partitions: context.partitions,
                            committed: [:], handledMax: [:]))
                },
                revoked: { context in
                    let committed = (try? context.committed()) ?? []
                    var handledMax: [TopicPartition: Int64] = [:]
                    for h in recorder.handled.withLock({ $0 }) where context.partitions.contains(h.tp) {
                        handledMax[h.tp] = max(handledMax[h.tp] ?? -1, h.offset)
                    }
                    log.append(
                        .init(
                            kind: "revoked", container: context.containerId, partitions: context.partitions,
                            committed: Dictionary(
                                committed.map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: { $1 }),
                            handledMax: handledMax))
                }))
    }

    /// The offsets of the container's last commit attempt before its first revoke event (refused ones too, unless
    /// `successOnly`).
    func commitBeforeRevoke(
        _ recorder: Recorder, container: String, successOnly: Bool = false
    ) -> [TopicPartition: Int64]? {
        let events = recorder.events.withLock { $0.filter { $0.containerId == container } }
        guard let revoke = events.firstIndex(where: { if case .partitionsRevoked = $0.kind { true } else { false } })
        else { return nil }
        for event in events[..<revoke].reversed() {
            switch event.kind {
            case .committed(let offsets):
                return Dictionary(offsets.map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: { $1 })
            case .commitFailed(let offsets, _) where !successOnly:
                return Dictionary(offsets.map { ($0.topicPartition, $0.offset.rawValue) }, uniquingKeysWith: { $1 })
            default: continue
            }
        }
        return nil
    }

    @Test(
        "a second member joins: the first commits what it handled, then its revoke callback runs; both then get disjoint assignments covering the topic, and nothing is lost"
    )
    func secondMemberJoins() async throws {
        let topic = try await kafka.topic("rebalance-cb", partitions: 4)
        for partition: Int32 in 0..<4 { try await kafka.produce(10, to: topic, partition: partition) }
        let group = kafka.unique("rebalance-cb")
        let recorder = Recorder()
        let log = RebalanceLog()
        let first = makeRegistry()
        recorder.record(first.events)
        try first.register(endpoint("member-a", topic: topic, group: group, recorder, log))
        try await first.startAll()
        try await waitUntil("40 records handled by the first member", observed: { "\(recorder.count)" }) {
            recorder.count >= 40
        }
        #expect(log.entries("assigned").flatMap(\.partitions).count == 4, "\(log.summary)")
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 4) == [-1001, -1001, -1001, -1001])

        let second = makeRegistry()
        recorder.record(second.events)
        try second.register(endpoint("member-b", topic: topic, group: group, recorder, log))
        try await second.startAll()
        try await waitUntil("both members assigned after the join", observed: { log.summary }) {
            !log.entries("revoked", container: "member-a-0").isEmpty
                && !log.entries("assigned", container: "member-b-0").isEmpty
                && log.entries("assigned", container: "member-a-0").count >= 2
        }
        // The revoke committed exactly what was handled, before the revoke was announced (events are in order) and
        // so before the callback, which runs after the announcement. librdkafka's mock refuses that commit (it
        // refuses every OffsetCommit while a group is joining; a broker accepts it), so the callback reads no
        // committed offset here, and the records come again to their new owner: at least once.
        let revoked = try #require(log.entries("revoked", container: "member-a-0").first)
        #expect(revoked.partitions.count == 4, "\(log.summary)")
        let attempted = try #require(
            commitBeforeRevoke(recorder, container: "member-a-0"), "a commit before the revoke")
        for tp in revoked.partitions {
            let handled = try #require(revoked.handledMax[tp], "\(tp) had records handled before the revoke")
            #expect(attempted[tp] == handled + 1, "\(tp): the revoke's commit")
            #expect([handled + 1, -1001].contains(revoked.committed[tp] ?? 0), "\(tp): \(revoked.committed)")
        }
        let lastA = try #require(log.entries("assigned", container: "member-a-0").last)
        let lastB = try #require(log.entries("assigned", container: "member-b-0").last)
        #expect(Set(lastA.partitions).isDisjoint(with: lastB.partitions), "\(log.summary)")
        #expect(Set(lastA.partitions + lastB.partitions).count == 4, "\(log.summary)")

        // Records produced now go to whichever member owns their partition, and nothing is lost.
        for partition: Int32 in 0..<4 { try await kafka.produce(10, to: topic, partition: partition) }
        try await waitUntil("80 distinct records handled", observed: { "\(recorder.handledCounts)" }) {
            recorder.handledCounts.values.reduce(0) { $0 + $1.count } >= 80
        }
    }

    @Test(
        "a member stops: what it handled is committed before its revoke callback runs (announced in that order), and a committed-offset lookup inside it refuses while the consumer closes"
    )
    func revokeOnStop() async throws {
        let topic = try await kafka.topic("rebalance-leave", partitions: 3)
        for partition: Int32 in 0..<3 { try await kafka.produce(7, to: topic, partition: partition) }
        let group = kafka.unique("rebalance-leave")
        let recorder = Recorder()
        let log = RebalanceLog()
        let registry = makeRegistry()
        recorder.record(registry.events)
        try registry.register(endpoint("leaver", topic: topic, group: group, recorder, log))
        try await registry.startAll()
        try await waitUntil("21 records handled", observed: { "\(recorder.count)" }) { recorder.count >= 21 }
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 3) == [-1001, -1001, -1001])
        await registry.stopAll()
        let revoked = try #require(log.entries("revoked", container: "leaver-0").first, "\(log.summary)")
        #expect(revoked.partitions.count == 3)
        #expect(revoked.committed.isEmpty, "the lookup refuses while the consumer closes")
        try await waitUntil("the revoke event", observed: { "\(recorder.events.withLock { $0 })" }) {
            commitBeforeRevoke(recorder, container: "leaver-0", successOnly: true) != nil
        }
        let committed = try #require(commitBeforeRevoke(recorder, container: "leaver-0", successOnly: true))
        for tp in revoked.partitions {
            #expect(revoked.handledMax[tp] == 6, "\(tp)")
            #expect(committed[tp] == 7, "\(tp): committed before the revoke")
        }
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 3) == [7, 7, 7])
    }
}
