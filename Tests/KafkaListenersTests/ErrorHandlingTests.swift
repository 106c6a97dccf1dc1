import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// A listener error that retrying cannot fix.
struct Unparsable: NotRetryableError {}
/// A listener error worth retrying.
struct Poison: Error {}

/// Listener calls with their time, for checking back-off gaps.
final class CallLog: Sendable {
    let calls = Mutex<[(tp: TopicPartition, offset: Int64, at: ContinuousClock.Instant)]>([])
    func note(_ record: ConsumerRecord) { calls.withLock { $0.append((record.topicPartition, record.offset, .now)) } }
    func times(_ tp: TopicPartition, _ offset: Int64) -> [ContinuousClock.Instant] {
        calls.withLock { $0.filter { $0.tp == tp && $0.offset == offset }.map(\.at) }
    }
    func offsets(_ tp: TopicPartition) -> [Int64] { calls.withLock { $0.filter { $0.tp == tp }.map(\.offset) } }
}

/// Produces string values to one partition.
func produceValues(_ values: [String], to topic: String, partition: Int32) async throws {
    let producer = try KafkaProducer(configuration: kafka.producerConfig())
    for value in values {
        _ = try await producer.send(ProducerRecord(topic: topic, partition: partition, key: "k-\(value)", value: value))
    }
    await producer.close()
}

/// Reads every record of one partition of `topic` from the beginning (no group).
func readAll(_ topic: String, partition: Int32, expecting count: Int) async throws -> [ConsumerRecord] {
    let consumer = try KafkaConsumer(
        configuration: kafka.configuration(["group.id": kafka.unique("reader"), "enable.auto.commit": "false"]))
    try await consumer.assign([TopicPartitionOffset(topic, partition, 0)])
    var records: [ConsumerRecord] = []
    try await waitUntil("\(count) records in \(topic)", observed: { "\(records.count)" }) {
        records += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100))
        return records.count >= count
    }
    await consumer.close()
    return records
}

@Suite("Error handling: retries with back-off, recoverers, dead letters", .timeLimit(.minutes(10)))
struct ErrorHandlingTests {
    @Test(
        "a poison record is retried max-attempts times with the back-off and dead-lettered with every header; the container goes on"
    )
    func poisonRecordToDeadLetter() async throws {
        let topic = try await kafka.topic("poison", partitions: 2)
        try await kafka.createTopic("\(topic).DLT", partitions: 2)
        let producer = try KafkaProducer(configuration: kafka.producerConfig())
        let log = CallLog()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let backOff = Duration.milliseconds(300)
        let group = kafka.unique("poison")
        try registry.register(
            ListenerEndpoint(
                id: group, selection: .topics([topic]),
                listener: .record { record, _ in
                    log.note(record)
                    if record.valueString == "poison" { throw Poison() }
                }, maxPollRecords: 10,
                errorHandler: ErrorHandler(
                    backOff: .fixed(backOff, maxAttempts: 3),
                    recoverer: .deadLetter(DeadLetterPublisher(producer: producer)))))
        try await produceValues(["a", "b", "poison", "c", "d"], to: topic, partition: 0)
        try await produceValues((0..<10).map { "p1-\($0)" }, to: topic, partition: 1)
        try await registry.startAll()
        let tp0 = TopicPartition(topic, 0)
        let tp1 = TopicPartition(topic, 1)
        try await waitUntil(
            "the poison record recovered and partition 0 finished",
            observed: { "\(log.offsets(tp0)) \(log.offsets(tp1))" }
        ) {
            log.offsets(tp0).suffix(2) == [3, 4] && log.offsets(tp1).count == 10
        }
        let attempts = log.times(tp0, 2)
        #expect(attempts.count == 3, "exactly max-attempts calls")
        for (earlier, later) in zip(attempts, attempts.dropFirst()) {
            #expect(later - earlier >= backOff, "back-off gap \(later - earlier)")
        }
        #expect(log.offsets(tp0).filter { $0 != 2 } == [0, 1, 3, 4], "the other records of partition 0 once each")
        #expect(log.offsets(tp1) == Array(0..<10), "partition 1's records once each")
        #expect(recorder.events(matching: { if case .retrying = $0 { true } else { false } }).count == 2)

        let letters = try await readAll("\(topic).DLT", partition: 0, expecting: 1)
        let letter = try #require(letters.first)
        #expect(letters.count == 1 && letter.valueString == "poison" && letter.keyString == "k-poison")
        func bytes(_ name: String) -> [UInt8]? { letter.headers.last { $0.key == name }?.value }
        #expect(bytes(DeadLetterHeaders.originalPartition) == [0, 0, 0, 0], "Spring's 4-byte big-endian partition")
        #expect(
            bytes(DeadLetterHeaders.originalOffset) == [0, 0, 0, 0, 0, 0, 0, 2], "Spring's 8-byte big-endian offset")
        #expect(bytes(DeadLetterHeaders.originalTimestamp)?.count == 8)
        let info = DeadLetterInfo(headers: letter.headers)
        #expect(info.originalTopic == topic)
        #expect(info.originalPartition == 0)
        #expect(info.originalOffset == 2)
        #expect(info.originalTimestamp.map { $0 > 0 } == true)
        #expect(info.originalTimestampType == "CreateTime")
        #expect(info.originalConsumerGroup == group)
        #expect(info.exceptionType?.hasSuffix("Poison") == true)
        #expect(info.exceptionMessage == "Poison()")
        #expect(bytes(DeadLetterHeaders.exceptionStacktrace).map { !$0.isEmpty } == true)
        #expect(info.attempts == 3)
        try await waitUntil(
            "committed past the poison record",
            observed: { "\((try? await committedOffsets(group: group, topic: topic, partitions: 2)) ?? [])" }
        ) {
            try await committedOffsets(group: group, topic: topic, partitions: 2) == [5, 10]
        }
        await registry.stopAll()
        await producer.close()
    }

    @Test(
        "while a failed record backs off, the other partition flows; stopping ends the back-off and commits only what was handled"
    )
    func otherPartitionFlowsDuringBackOff() async throws {
        let topic = try await kafka.topic("backing-off", partitions: 2)
        let log = CallLog()
        let registry = makeRegistry()
        // A back-off no run outlasts: the check below does not depend on how fast the machine is.
        let backOff = Duration.seconds(600)
        let group = kafka.unique("backing-off")
        let container = try registry.register(
            ListenerEndpoint(
                id: group, selection: .topics([topic]),
                listener: .record { record, _ in
                    log.note(record)
                    if record.valueString == "poison" { throw Poison() }
                }, maxPollRecords: 10,
                errorHandler: ErrorHandler(backOff: .fixed(backOff, maxAttempts: 2))))
        try await registry.startAll()
        try await waitUntil("assigned", observed: { "\(container.status)" }) {
            container.children[0].assignedPartitions.count == 2
        }
        try await produceValues(["a", "b", "poison", "c", "d"], to: topic, partition: 0)
        let tp0 = TopicPartition(topic, 0)
        let tp1 = TopicPartition(topic, 1)
        try await waitUntil("the first failure", observed: { "\(log.offsets(tp0))" }) { log.times(tp0, 2).count >= 1 }
        try await produceValues((0..<10).map { "p1-\($0)" }, to: topic, partition: 1)
        try await waitUntil("partition 1's records", observed: { "\(log.offsets(tp0)) \(log.offsets(tp1))" }) {
            log.offsets(tp1).count >= 10
        }
        #expect(log.offsets(tp1) == Array(0..<10), "partition 1's records once each, in order")
        #expect(log.offsets(tp0) == [0, 1, 2], "partition 0 waits at the failed record")
        let stopping = ContinuousClock.now
        await registry.stopAll()
        #expect(ContinuousClock.now - stopping < backOff, "stop does not wait for the back-off")
        #expect(try await committedOffsets(group: group, topic: topic, partitions: 2) == [2, 10])
    }

    @Test("a non-retryable error skips the retries and goes to the recoverer at once")
    func notRetryable() async throws {
        let topic = try await kafka.topic("unparsable", partitions: 1)
        let log = CallLog()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        try registry.register(
            ListenerEndpoint(
                id: "unparsable", selection: .topics([topic]),
                listener: .record { record, _ in
                    log.note(record)
                    if record.valueString == "bad" { throw Unparsable() }
                }, errorHandler: ErrorHandler(backOff: .fixed(.seconds(5), maxAttempts: 5))))
        try await registry.startAll()
        try await produceValues(["a", "bad", "b"], to: topic, partition: 0)
        let tp = TopicPartition(topic, 0)
        try await waitUntil("all handled", observed: { "\(log.offsets(tp))" }) { log.offsets(tp).contains(2) }
        #expect(log.offsets(tp) == [0, 1, 2], "no retry of the unparsable record")
        try await waitUntil("recovered event", observed: { "\(recorder.events.withLock { $0.map(\.kind) })" }) {
            !recorder.events(matching: { if case .recovered(_, 1, "skipped") = $0 { true } else { false } }).isEmpty
        }
        #expect(recorder.events(matching: { if case .retrying = $0 { true } else { false } }).isEmpty)
        try await waitUntil("committed past it") {
            try await committedOffsets(group: "unparsable", topic: topic, partitions: 1) == [3]
        }
        await registry.stopAll()
    }

    @Test(
        "when the dead letter cannot be published, nothing is committed past the record, and it is recovered once publishing works"
    )
    func deadLetterFailureLosesNothing() async throws {
        let topic = try await kafka.topic("dlt-fail", partitions: 1)
        let dlt = "\(topic).DLT"
        try await kafka.createTopic(dlt, partitions: 1)
        let embedded = try #require(kafka.embedded, "needs EmbeddedKafka's fault injection")
        embedded.setTopicError(dlt, .topicAuthorizationFailed)
        let producer = try KafkaProducer(configuration: kafka.producerConfig(["message.timeout.ms": "3000"]))
        let log = CallLog()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        try registry.register(
            ListenerEndpoint(
                id: "dlt-fail", selection: .topics([topic]),
                listener: .record { record, _ in
                    log.note(record)
                    if record.valueString == "poison" { throw Poison() }
                },
                errorHandler: ErrorHandler(
                    backOff: .none, recoverer: .deadLetter(DeadLetterPublisher(producer: producer)))))
        try await registry.startAll()
        try await produceValues(["a", "poison", "b"], to: topic, partition: 0)
        let tp = TopicPartition(topic, 0)
        try await waitUntil(
            "a failed dead-letter publish", timeout: .seconds(30),
            observed: { "\(recorder.events.withLock { $0.suffix(3).map(\.kind) })" }
        ) {
            !recorder.events(matching: { if case .recoveryFailed = $0 { true } else { false } }).isEmpty
        }
        #expect(
            (recorder.commits(tp).max() ?? 0) <= 1, "nothing committed past the poison record: \(recorder.commits(tp))")
        #expect(!log.offsets(tp).contains(2), "records after it wait")
        embedded.setTopicError(dlt, .noError)
        try await waitUntil(
            "recovered once publishing works", timeout: .seconds(30),
            observed: { "\(log.offsets(tp)) \(recorder.commits(tp))" }
        ) {
            log.offsets(tp).contains(2) && recorder.commits(tp).max() == 3
        }
        #expect(log.times(tp, 1).count == 1, "the listener is not called again; only the recovery is retried")
        let letters = try await readAll(dlt, partition: 0, expecting: 1)
        #expect(letters.map(\.valueString) == ["poison"])
        await registry.stopAll()
        await producer.close()
    }

    @Test("a batch listener failing at index k: records 0..<k are committed, and the batch is retried from k")
    func batchFailureAtIndex() async throws {
        let topic = try await kafka.topic("batch-fail", partitions: 1)
        try await kafka.produce(10, to: topic, partition: 0)
        let firsts = Mutex<[Int64]>([])
        let failed = Mutex(false)
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        try registry.register(
            ListenerEndpoint(
                id: "batch-fail", selection: .topics([topic]),
                listener: .batch { records, _ in
                    firsts.withLock { $0.append(records[0].offset) }
                    if records.contains(where: { $0.offset == 4 }) && !failed.withLock({ $0 }) {
                        failed.withLock { $0 = true }
                        throw BatchListenerFailedError(index: records.firstIndex { $0.offset == 4 }!, cause: Poison())
                    }
                }, maxPollRecords: 10, errorHandler: ErrorHandler(backOff: .fixed(.milliseconds(200), maxAttempts: 3))))
        try await registry.startAll()
        let tp = TopicPartition(topic, 0)
        try await waitUntil("all committed", observed: { "\(firsts.withLock { $0 }) \(recorder.commits(tp))" }) {
            recorder.commits(tp).max() == 10
        }
        let commits = recorder.commits(tp)
        #expect(commits.contains(4), "0..3 committed on their own: \(commits)")
        #expect(commits.firstIndex(of: 4)! < commits.firstIndex(of: 10)!)
        #expect(
            firsts.withLock { $0 }.contains(4),
            "the retried batch starts at the failed record: \(firsts.withLock { $0 })")
        await registry.stopAll()
    }

    @Test("per-partition key ordering: only the failing key waits out the back-off; other keys of the partition go on")
    func perPartitionKeyBackOff() async throws {
        let topic = try await kafka.topic("pp-poison", partitions: 1)
        let log = CallLog()
        let registry = makeRegistry()
        var endpoint = perPartitionEndpoint(
            "pp-poison", topic: topic, ordering: .key, maxConcurrency: 8,
            listener: .record { record, _ in
                log.note(record)
                if record.valueString == "poison" { throw Poison() }
            })
        endpoint.errorHandler = ErrorHandler(backOff: .fixed(.seconds(1), maxAttempts: 3))
        // Everything is on the broker before the container starts, so key b's records arrive with the poison one
        // (sent one by one while it ran, on a slow machine they could arrive after its back-off ended).
        let producer = try KafkaProducer(configuration: kafka.producerConfig())
        _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "a", value: "poison"))
        _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "a", value: "after-poison"))
        for i in 0..<5 {
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: "b", value: "b-\(i)"))
        }
        await producer.close()
        let container = try registry.register(endpoint)
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        let tp = TopicPartition(topic, 0)
        try await waitUntil("everything handled", observed: { "\(log.offsets(tp))" }) {
            log.offsets(tp).contains(1) && log.offsets(tp).contains(6)
        }
        let poison = log.times(tp, 0)
        #expect(poison.count == 3)
        let keyB = (2...6).flatMap { log.times(tp, $0) }
        #expect(keyB.allSatisfy { $0 < poison[2] }, "key b did not wait for key a's back-off")
        #expect(log.times(tp, 1).allSatisfy { $0 > poison[2] }, "key a's next record waited for the poison one")
        try await waitUntil("committed") {
            try await committedOffsets(group: "pp-poison", topic: topic, partitions: 1) == [7]
        }
        await registry.stopAll()
    }

    @Test(
        "per-partition batch listener failing at index k: records before k are not delivered again, the retry starts at k"
    )
    func perPartitionBatchIndex() async throws {
        let topic = try await kafka.topic("pp-batch-index", partitions: 1)
        try await kafka.produce(10, to: topic, partition: 0)
        let calls = Mutex<[[Int64]]>([])
        let failed = Mutex(false)
        let registry = makeRegistry()
        var endpoint = perPartitionEndpoint(
            "pp-batch-index", topic: topic, maxPollRecords: 10,
            listener: .batch { records, _ in
                calls.withLock { $0.append(records.map(\.offset)) }
                guard let index = records.firstIndex(where: { $0.offset == 4 }), !failed.withLock({ $0 }) else {
                    return
                }
                failed.withLock { $0 = true }
                throw BatchListenerFailedError(index: index, cause: Poison())
            })
        endpoint.errorHandler = ErrorHandler(backOff: .fixed(.milliseconds(50), maxAttempts: 3))
        let container = try registry.register(endpoint)
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await waitUntil("committed through 10", observed: { "\(calls.withLock { $0 })" }) {
            try await committedOffsets(group: "pp-batch-index", topic: topic, partitions: 1) == [10]
        }
        let seen = calls.withLock { $0 }
        let handled = seen.flatMap { $0 }
        for offset: Int64 in 0..<4 {
            #expect(
                handled.filter { $0 == offset }.count == 1,
                "\(offset) was before the failed index: delivered once (\(seen))")
        }
        #expect(handled.filter { $0 == 4 }.count == 2, "the failed record is retried once: \(seen)")
        #expect(seen.contains { $0.first == 4 }, "the retried batch starts at the failed record: \(seen)")
        await registry.stopAll()
    }

    @Test(
        "per-partition batch listener: a record that keeps failing at its index is recovered alone, and the rest of the batch goes on"
    )
    func perPartitionBatchIndexRecovered() async throws {
        let topic = try await kafka.topic("pp-batch-recover", partitions: 1)
        try await kafka.produce(10, to: topic, partition: 0)
        let calls = Mutex<[[Int64]]>([])
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        var endpoint = perPartitionEndpoint(
            "pp-batch-recover", topic: topic, maxPollRecords: 10,
            listener: .batch { records, _ in
                calls.withLock { $0.append(records.map(\.offset)) }
                if let index = records.firstIndex(where: { $0.offset == 4 }) {
                    throw BatchListenerFailedError(index: index, cause: Poison())
                }
            })
        endpoint.errorHandler = ErrorHandler(backOff: .fixed(.zero, maxAttempts: 2))
        let container = try registry.register(endpoint)
        try await registry.startAll()
        try await waitForAssignment(container, 1)
        try await waitUntil("committed through 10", observed: { "\(calls.withLock { $0 })" }) {
            try await committedOffsets(group: "pp-batch-recover", topic: topic, partitions: 1) == [10]
        }
        let seen = calls.withLock { $0 }
        let handled = seen.flatMap { $0 }
        #expect(handled.filter { $0 == 4 }.count == 2, "two attempts, then the recoverer: \(seen)")
        for offset: Int64 in 0..<4 {
            #expect(
                handled.filter { $0 == offset }.count == 1,
                "\(offset) was before the failed index: delivered once (\(seen))")
        }
        let afterRecovery = Set(seen.filter { !$0.contains(4) }.flatMap { $0 })
        #expect(
            afterRecovery.isSuperset(of: 5..<10),
            "after the recovery, the records after it are handled without it: \(seen)")
        #expect(
            !recorder.events(matching: { if case .recovered(_, 4, "skipped") = $0 { true } else { false } }).isEmpty)
        await registry.stopAll()
    }

    @Test(
        "with the delivery-attempt header, each in-place retry carries its attempt number (Spring's kafka_deliveryAttempt)"
    )
    func deliveryAttemptHeader() async throws {
        let topic = try await kafka.topic("delivery-attempt", partitions: 1)
        try await kafka.produce(2, to: topic, partition: 0)
        let seen = Mutex<[(Int64, Int32?)]>([])
        let registry = makeRegistry()
        var handler = ErrorHandler(backOff: .fixed(.milliseconds(20), maxAttempts: 5))
        handler.deliveryAttemptHeader = .added
        try registry.register(
            ListenerEndpoint(
                id: "delivery-attempt", selection: .topics([topic]),
                listener: .record { record, _ in
                    let attempt = DeliveryAttemptHeader.attempt(of: record)
                    seen.withLock { $0.append((record.offset, attempt)) }
                    if record.offset == 0 && (attempt ?? 0) < 3 { throw Poison() }
                }, errorHandler: handler))
        try await registry.startAll()
        try await waitUntil("both handled", observed: { "\(seen.withLock { $0 })" }) {
            seen.withLock { $0.contains { $0.0 == 1 } }
        }
        #expect(seen.withLock { $0 }.filter { $0.0 == 0 }.map(\.1) == [1, 2, 3])
        #expect(seen.withLock { $0 }.filter { $0.0 == 1 }.map(\.1) == [1])
        await registry.stopAll()
    }
}
