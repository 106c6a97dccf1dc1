import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// A per-partition endpoint on `topic` for these tests.
func perPartitionEndpoint(
    _ id: String, topic: String, group: String? = nil, ordering: RecordOrdering = .partition,
    maxConcurrency: Int? = nil,
    bufferSize: Int = 1_000, ackMode: AckMode = .batch, maxPollRecords: Int = 100,
    listener: Listener
) -> ListenerEndpoint {
    ListenerEndpoint(
        id: id, selection: .topics([topic]), listener: listener, groupId: group ?? id, ackMode: ackMode,
        maxPollRecords: maxPollRecords,
        perPartition: PerPartitionOptions(ordering: ordering, maxConcurrency: maxConcurrency, bufferSize: bufferSize))
}

/// Waits until `container` owns `count` partitions.
func waitForAssignment(_ container: ConcurrentContainer, _ count: Int) async throws {
    try await waitUntil("\(container.id) owns \(count) partitions", observed: { "\(container.status)" }) {
        container.children.reduce(0) { $0 + $1.assignedPartitions.count } == count
    }
}

/// The highest offset committed per partition, from the commit events.
func lastCommits(_ recorder: Recorder, _ topic: String, _ partitions: Int32) -> [Int64] {
    (0..<partitions).map { recorder.commits(TopicPartition(topic, $0)).max() ?? 0 }
}

@Suite("Per-partition containers", .timeLimit(.minutes(10)))
struct PerPartitionTests {
    @Test("a partition blocked in its listener does not stall the other partitions, which are handled and committed")
    func blockedPartitionDoesNotStallOthers() async throws {
        let topic = try await kafka.topic("pp-block", partitions: 6)
        let gate = Gate()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-block", topic: topic,
                listener: .record { record, context in
                    if record.partition == 0 { await gate.wait() }
                    recorder.note(record, context)
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 6)
        for partition: Int32 in 0..<6 { try await kafka.produce(50, to: topic, partition: partition) }

        try await waitUntil(
            "partitions 1-5 handled and committed while 0 is blocked",
            observed: {
                "commits \(lastCommits(recorder, topic, 6)), handled \(recorder.handledCounts.mapValues(\.count)), waiting \(gate.waiting)"
            }
        ) {
            lastCommits(recorder, topic, 6).dropFirst().allSatisfy { $0 == 50 }
        }
        #expect(recorder.handledCounts[TopicPartition(topic, 0)] == nil, "partition 0 is blocked in its first record")
        #expect(gate.waiting == 1, "exactly one record of partition 0 is in the listener")
        #expect(recorder.commits(TopicPartition(topic, 0)).isEmpty, "nothing of partition 0 is committed")

        gate.open()
        try await waitUntil("partition 0 handled and committed", observed: { "\(lastCommits(recorder, topic, 6))" }) {
            lastCommits(recorder, topic, 6) == Array(repeating: 50, count: 6)
        }
        await registry.stopAll()
        #expect(
            try await committedOffsets(group: "pp-block", topic: topic, partitions: 6) == Array(repeating: 50, count: 6)
        )
    }

    @Test("per-partition order holds over 100,000 records: each partition's handled offsets strictly increase")
    func orderOver100kRecords() async throws {
        let topic = try await kafka.topic("pp-order", partitions: 6)
        let seen = Mutex<[Int32: [Int64]]>([:])
        let threads = Mutex<Set<String>>([])
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-order", topic: topic, maxPollRecords: 500,
                listener: .record { record, _ in
                    seen.withLock { $0[record.partition, default: []].append(record.offset) }
                    if record.offset % 100 == 0 { threads.withLock { _ = $0.insert(currentThreadName()) } }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 6)
        let total = 100_000
        try await kafka.produce(total, to: topic, keys: 1_000)
        try await waitUntil(
            "all \(total) records handled", timeout: .seconds(120),
            observed: {
                "\(seen.withLock { $0.mapValues(\.count) })"
            }
        ) {
            seen.withLock { $0.values.reduce(0) { $0 + $1.count } } >= total
        }
        await registry.stopAll()
        // Per-partition containers bound librdkafka's prefetch per split partition queue.
        let settings = container.children[0].configuration
        #expect(settings["queued.min.messages"] == "\(ConcurrentContainer.defaultPerPartitionQueuedMinMessages)")
        #expect(
            settings["queued.max.messages.kbytes"] == "\(ConcurrentContainer.defaultPerPartitionQueuedMaxKilobytes)")
        let handled = seen.withLock { $0 }
        #expect(handled.values.reduce(0) { $0 + $1.count } == total, "each record once")
        for (partition, offsets) in handled {
            let ordered = zip(offsets, offsets.dropFirst()).allSatisfy { $0 < $1 }
            #expect(ordered, "partition \(partition) handled out of order")
            #expect(offsets.first == 0 && offsets.last == Int64(offsets.count - 1), "partition \(partition) has a gap")
        }
        let committed = try await committedOffsets(group: "pp-order", topic: topic, partitions: 6)
        #expect(committed == (0..<6).map { Int64(handled[$0]?.count ?? 0) })
        // The container's poll loop runs on the consumer's thread; the workers' listener calls must not.
        let names = threads.withLock { $0 }
        #expect(!names.isEmpty && !names.contains { $0.hasPrefix("kcons") }, "listener threads: \(names.sorted())")
    }

    @Test(
        "key ordering: one record of a key at a time, in order, while other keys of the same partition run in parallel")
    func keyOrdering() async throws {
        let topic = try await kafka.topic("pp-key", partitions: 2)
        let probe = ConcurrencyProbe<String>()
        let perPartition = ConcurrencyProbe<Int32>()
        let order = Mutex<[String: [Int64]]>([:])
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-key", topic: topic, ordering: .key, maxConcurrency: 16,
                listener: .record { record, _ in
                    let key = record.keyString ?? "-"
                    try await perPartition.measure(record.partition) {
                        try await probe.measure(key) {
                            order.withLock { $0[key, default: []].append(record.offset) }
                            try await Task.sleep(for: .milliseconds(2))
                        }
                    }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 2)
        let total = 2_000
        try await kafka.produce(total, to: topic, keys: 40)
        try await waitUntil(
            "all records handled", timeout: .seconds(60),
            observed: { "\(order.withLock { $0.values.reduce(0) { $0 + $1.count } })" }
        ) {
            order.withLock { $0.values.reduce(0) { $0 + $1.count } } >= total
        }
        await registry.stopAll()
        #expect(
            probe.peakPerKey.values.allSatisfy { $0 == 1 },
            "a key ran twice at once: \(probe.peakPerKey.filter { $0.value > 1 })")
        for (key, offsets) in order.withLock({ $0 }) {
            #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 < $1 }, "key \(key) out of order")
        }
        #expect(
            perPartition.peakPerKey.values.allSatisfy { $0 > 1 },
            "keys of one partition ran in parallel: \(perPartition.peakPerKey)")
        #expect(probe.peak <= 16, "maxConcurrency 16 held: \(probe.peak)")
    }

    @Test("unordered: records run in parallel, and the committed offset waits for a slow record")
    func unorderedCommitWaitsForSlowRecord() async throws {
        let topic = try await kafka.topic("pp-unordered", partitions: 1)
        let gate = Gate()
        let probe = ConcurrencyProbe<Int>()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-unordered", topic: topic, ordering: .unordered, maxConcurrency: 8,
                listener: .record { record, context in
                    try await probe.measure(0) {
                        if record.offset == 10 {
                            await gate.wait()
                        } else {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    }
                    recorder.note(record, context)
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await kafka.produce(60, to: topic)
        let tp = TopicPartition(topic, 0)
        try await waitUntil("every record but offset 10 handled", observed: { "\(recorder.count)" }) {
            recorder.count == 59
        }
        // Commits come at each poll boundary; let a few pass, then no commit may have passed offset 10.
        let polls = container.children[0].pollsCompleted
        try await waitUntil("more poll boundaries") { container.children[0].pollsCompleted >= polls + 3 }
        #expect(recorder.commits(tp).max() == 10, "commits: \(recorder.commits(tp))")
        #expect(probe.peak > 1 && probe.peak <= 8, "peak concurrency \(probe.peak)")
        gate.open()
        try await waitUntil("everything committed", observed: { "\(recorder.commits(tp))" }) {
            recorder.commits(tp).max() == 60
        }
        await registry.stopAll()
    }

    @Test("a seek forward from a lane: the queued records it moves past are dropped and hold no commit back")
    func seekForwardCommits() async throws {
        let topic = try await kafka.topic("pp-seek-forward", partitions: 1)
        try await kafka.produce(20, to: topic, partition: 0)
        let handled = Mutex<[Int64]>([])
        let sought = Mutex(false)
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-seek-forward", topic: topic, ordering: .key, maxConcurrency: 1, ackMode: .manual,
                listener: .record { record, context in
                    handled.withLock { $0.append(record.offset) }
                    context.acknowledgment.acknowledge()
                    if record.offset == 2 && !sought.withLock({ $0 }) {
                        sought.withLock { $0 = true }
                        context.seek(record.topicPartition, to: 15)
                    }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await waitUntil("committed through 20", observed: { "handled \(handled.withLock { $0 })" }) {
            try await committedOffsets(group: "pp-seek-forward", topic: topic, partitions: 1) == [20]
        }
        #expect(handled.withLock { $0 }.contains(19))
        await registry.stopAll()
    }

    @Test("a worker's full buffer pauses its partition in the consumer, and draining it resumes; nothing is lost")
    func backPressure() async throws {
        let topic = try await kafka.topic("pp-pressure", partitions: 2)
        let gate = Gate()
        let seen = Mutex<[Int32: [Int64]]>([:])
        let registry = makeRegistry()
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-pressure", topic: topic, bufferSize: 20, maxPollRecords: 10,
                listener: .record { record, _ in
                    if record.partition == 0 { await gate.wait() }
                    seen.withLock { $0[record.partition, default: []].append(record.offset) }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 2)
        try await kafka.produce(300, to: topic, partition: 0)
        try await kafka.produce(300, to: topic, partition: 1)
        let child = container.children[0]
        let tp0 = TopicPartition(topic, 0)
        try await waitUntil(
            "partition 0 paused for back-pressure, partition 1 done",
            observed: {
                "\(child.status) \(child.status.workers!); seen per partition: \(seen.withLock { $0.mapValues(\.count) })"
            }
        ) {
            child.status.pausedPartitions[tp0]?.contains(.backPressure) == true && seen.withLock { $0[1]?.count } == 300
        }
        // Bounded: the buffer size plus at most one poll (fetched before the pause took effect).
        let buffered = child.status.workers?.buffered[tp0] ?? 0
        #expect(buffered >= 20 && buffered <= 30, "buffered \(buffered)")
        gate.open()
        try await waitUntil(
            "partition 0 drained",
            observed: {
                "\(seen.withLock { $0[0]?.count ?? 0 }) seen; \(child.status); paused \(child.status.pausedPartitions); "
                    + "\(child.status.workers.map { "\($0)" } ?? "")"
            }
        ) {
            seen.withLock { $0[0]?.count } == 300
        }
        try await waitUntil("partition 0 fetching again", observed: { "\(child.status)" }) {
            child.status.pausedPartitions[tp0] == nil
        }
        await registry.stopAll()
        #expect(seen.withLock { $0[0] } == Array(0..<300), "partition 0: each record once, in order")
        #expect(try await committedOffsets(group: "pp-pressure", topic: topic, partitions: 2) == [300, 300])
    }

    @Test("changing maxConcurrency while running resizes the pool without a rebalance")
    func elasticConcurrency() async throws {
        let topic = try await kafka.topic("pp-elastic", partitions: 1)
        let probe = ConcurrencyProbe<Int>()
        let count = Mutex(0)
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let container = try registry.register(
            perPartitionEndpoint(
                "pp-elastic", topic: topic, ordering: .unordered, maxConcurrency: 2,
                listener: .record { _, _ in
                    try await probe.measure(0) { try await Task.sleep(for: .milliseconds(20)) }
                    count.withLock { $0 += 1 }
                }))
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        // Events reach the recorder asynchronously: count the assignment once it is seen.
        try await waitUntil("the assignment event recorded") {
            !recorder.events(matching: { if case .partitionsAssigned(let tps) = $0 { !tps.isEmpty } else { false } })
                .isEmpty
        }
        let assignmentsBefore = recorder.events(matching: {
            switch $0 {
            case .partitionsAssigned, .partitionsRevoked, .partitionsLost: true
            default: false
            }
        }).count
        try await kafka.produce(1_200, to: topic)
        try await waitUntil("records flowing at 2", observed: { "\(count.withLock { $0 })" }) {
            count.withLock { $0 } >= 40
        }
        #expect(probe.peak == 2, "peak at maxConcurrency 2: \(probe.peak)")

        try registry.setMaxConcurrency("pp-elastic", 16)
        probe.resetPeaks()
        try await waitUntil("concurrency grows past 2", observed: { "peak \(probe.peak)" }) { probe.peak > 8 }
        #expect(probe.peak <= 16)

        try registry.setMaxConcurrency("pp-elastic", 1)
        try await waitUntil("running calls drain to 1", observed: { "running \(probe.running)" }) { probe.running <= 1 }
        probe.resetPeaks()
        let done = count.withLock { $0 }
        try await waitUntil("more records at 1", observed: { "\(count.withLock { $0 })" }) {
            count.withLock { $0 } >= done + 10
        }
        #expect(probe.peak == 1, "peak at maxConcurrency 1: \(probe.peak)")
        #expect(container.children[0].status.workers?.maxConcurrency == 1)

        let rebalances = recorder.events(matching: {
            switch $0 {
            case .partitionsAssigned, .partitionsRevoked, .partitionsLost: true
            default: false
            }
        })
        #expect(rebalances.count == assignmentsBefore, "no rebalance while resizing: \(rebalances)")
        await registry.stopAll()
    }

    @Test(
        "a listener call stuck longer than the threshold is reported non-responsive, though the poll loop keeps polling"
    )
    func nonResponsive() async throws {
        let topic = try await kafka.topic("pp-stuck", partitions: 2)
        let gate = Gate()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        var endpoint = perPartitionEndpoint(
            "pp-stuck", topic: topic,
            listener: .record { record, context in
                if record.partition == 0 { await gate.wait() }
                recorder.note(record, context)
            })
        endpoint.nonResponsiveThreshold = .milliseconds(300)
        let container = try registry.register(endpoint)
        try await registry.startAll()
        try await waitForAssignment(container, 2)
        try await kafka.produce(1, to: topic, partition: 0)
        try await waitUntil(
            "a non-responsive event", observed: { "\(recorder.events.withLock { $0.map(\.kind) }.suffix(3))" }
        ) {
            !recorder.events(matching: { if case .nonResponsive = $0 { true } else { false } }).isEmpty
        }
        let polls = container.children[0].pollsCompleted
        try await waitUntil("the loop keeps polling") { container.children[0].pollsCompleted >= polls + 3 }
        gate.open()
        await registry.stopAll()
    }

    @Test(
        "bad input: maxConcurrency 0 is refused at registration, resizing a listener that is not per-partition is an error, and the rest keeps running"
    )
    func badInput() async throws {
        let topic = try await kafka.topic("pp-bad", partitions: 1)
        let registry = makeRegistry()
        #expect(throws: ListenerError.self) {
            try registry.register(
                perPartitionEndpoint("pp-bad-zero", topic: topic, maxConcurrency: 0, listener: .record { _, _ in }))
        }
        let handled = Mutex(0)
        try registry.register(
            ListenerEndpoint(
                id: "pp-bad-plain", selection: .topics([topic]),
                listener: .record { _, _ in
                    handled.withLock { $0 += 1 }
                }))
        do {
            try registry.setMaxConcurrency("pp-bad-plain", 4)
            Issue.record("resizing a listener that is not per-partition must fail")
        } catch let error as ListenerError {
            #expect("\(error)".contains("not a per-partition listener"))
        }
        #expect(throws: ListenerError.unknownListenerId("nope")) { try registry.setMaxConcurrency("nope", 4) }
        #expect(registry.listenerIds == ["pp-bad-plain"])
        try await registry.startAll()
        try await kafka.produce(10, to: topic)
        try await waitUntil("the valid listener runs", observed: { "\(handled.withLock { $0 })" }) {
            handled.withLock { $0 } == 10
        }
        await registry.stopAll()
    }
}

/// The calling thread's name as the OS knows it (`kcons-N` for a consumer's thread).
func currentThreadName() -> String {
    let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
    return name.trimmingCharacters(in: .whitespacesAndNewlines)
}
