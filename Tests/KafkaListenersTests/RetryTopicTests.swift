import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// What a listener saw, with when.
private final class Attempts: Sendable {
    struct Call: Sendable {
        var offset: Int64
        var topic: String
        var at: ContinuousClock.Instant
        var headers: [RecordHeader]
    }

    let calls = Mutex<[Call]>([])
    func note(_ record: ConsumerRecord) {
        let original = DeadLetterInfo(headers: record.headers).originalOffset ?? record.offset
        calls.withLock { $0.append(Call(offset: original, topic: record.topic, at: .now, headers: record.headers)) }
    }
    func of(_ offset: Int64) -> [Call] { calls.withLock { $0.filter { $0.offset == offset } } }
    var all: [Call] { calls.withLock { $0 } }
}

@Suite("Retry topics: non-blocking retries and Spring's dead letters", .timeLimit(.minutes(5)))
struct RetryTopicTests {
    struct Flaky: Error {}
    struct Unparsable: NotRetryableError {}

    func app(
        _ id: String, topic: String, retry: RetryTopics, _ handler: @escaping @Sendable (ConsumerRecord) throws -> Void
    ) throws -> KafkaApplication {
        let embedded = try #require(kafka.embedded, "needs the embedded cluster")
        return try KafkaApplication(kafka.configuration(), topicAdministration: embedded) {
            Listen(id, topics: topic) { (record: ConsumerRecord, _) in try handler(record) }
                .consumerProperty("auto.offset.reset", "earliest")
                // A crashed member is noticed after the session timeout (the restart test waits for it).
                .consumerProperty("session.timeout.ms", "6000")
                .consumerProperty("heartbeat.interval.ms", "500")
                .retryTopics(retry)
        }
    }

    @Test(
        "a record failing 3 times then succeeding: later records flow meanwhile, each retry waits its back-off, headers count the attempts"
    )
    func flakyThenSucceeds() async throws {
        let topic = try await kafka.topic("rt-flaky", partitions: 1)
        let attempts = Attempts()
        let retry = RetryTopics(
            attempts: 4, backOff: .exponential(initial: .milliseconds(300), multiplier: 2, max: .seconds(2)))
        let app = try app("rt-flaky", topic: topic, retry: retry) { record in
            attempts.note(record)
            if record.valueString == "value-1" && RetryTopicHeaders.attempt(of: record) < 4 { throw Flaky() }
        }
        try await app.start()
        try await kafka.produce(6, to: topic, partition: 0)
        try await waitUntil(
            "the flaky record succeeded on its fourth attempt", timeout: .seconds(30),
            observed: { "\(attempts.all.map { "\($0.offset)@\($0.topic)" })" }
        ) {
            attempts.of(1).count == 4
        }
        let calls = attempts.of(1)
        #expect(calls.map(\.topic) == [topic, "\(topic)-retry-300", "\(topic)-retry-600", "\(topic)-retry-1200"])
        let later = (2..<6).compactMap { attempts.of(Int64($0)).first?.at }
        #expect(
            later.count == 4 && later.allSatisfy { $0 < calls[1].at },
            "records after the failed one were handled before its first retry")
        for (index, delay) in [Duration.milliseconds(300), .milliseconds(600), .milliseconds(1200)].enumerated() {
            #expect(
                calls[index + 1].at - calls[index].at >= delay,
                "retry \(index + 1) came \(calls[index + 1].at - calls[index].at) after the attempt before, its back-off is \(delay)"
            )
        }
        for (index, call) in calls.enumerated().dropFirst() {
            let record = ConsumerRecord(topic: call.topic, partition: 0, offset: 0, value: nil, headers: call.headers)
            #expect(RetryTopicHeaders.attempt(of: record) == index + 1)
            let info = DeadLetterInfo(headers: call.headers)
            #expect(info.originalTopic == topic && info.originalPartition == 0 && info.originalOffset == 1)
            #expect(info.originalConsumerGroup == "rt-flaky")
        }
        try await waitUntil("the main topic committed") {
            try await committedOffsets(group: "rt-flaky", topic: topic, partitions: 1) == [6]
        }
        await app.stop()
    }

    @Test(
        "a record that always fails lands in the dead-letter topic after the last attempt, with Spring's headers; its handler gets it"
    )
    func alwaysFailsToDeadLetter() async throws {
        let topic = try await kafka.topic("rt-dlt", partitions: 1)
        let attempts = Attempts()
        let dead = Attempts()
        let retry = RetryTopics(
            attempts: 3, backOff: .fixed(.milliseconds(100)),
            deadLetter: .enabled(handler: { record, _ in dead.note(record) }))
        let app = try app("rt-dlt", topic: topic, retry: retry) { record in
            attempts.note(record)
            throw Flaky()
        }
        try await app.start()
        try await kafka.produce(1, to: topic, partition: 0)
        try await waitUntil(
            "the dead-letter handler got it", timeout: .seconds(30),
            observed: { "\(attempts.all.map(\.topic)) dead \(dead.all.count)" }
        ) {
            dead.all.count == 1
        }
        #expect(
            attempts.of(0).map(\.topic) == [topic, "\(topic)-retry", "\(topic)-retry"],
            "three attempts, two through the one fixed-wait topic")
        let letter = try #require(dead.all.first)
        #expect(letter.topic == "\(topic)-dlt")
        let info = DeadLetterInfo(headers: letter.headers)
        #expect(info.originalTopic == topic && info.originalPartition == 0 && info.originalOffset == 0)
        #expect(info.originalTimestampType == "CreateTime" && info.originalTimestamp.map { $0 > 0 } == true)
        #expect(info.exceptionType?.hasSuffix("Flaky") == true)
        #expect(info.attempts == 3)
        let names = Set(letter.headers.map(\.key))
        for name in [
            DeadLetterHeaders.originalTopic, DeadLetterHeaders.originalPartition, DeadLetterHeaders.originalOffset,
            DeadLetterHeaders.originalTimestamp, DeadLetterHeaders.originalTimestampType,
            DeadLetterHeaders.originalConsumerGroup,
            DeadLetterHeaders.exceptionType, DeadLetterHeaders.exceptionMessage, DeadLetterHeaders.exceptionStacktrace,
        ] {
            #expect(names.contains(name), "\(name) missing")
        }
        await app.stop()
    }

    @Test("an error that is not retried goes to the dead-letter topic at once")
    func notRetriedGoesStraightToDeadLetter() async throws {
        let topic = try await kafka.topic("rt-fatal", partitions: 1)
        let attempts = Attempts()
        let app = try app("rt-fatal", topic: topic, retry: RetryTopics(attempts: 4)) { record in
            attempts.note(record)
            throw Unparsable()
        }
        try await app.start()
        try await kafka.produce(1, to: topic, partition: 0)
        let letters = try await readAll("\(topic)-dlt", partition: 0, expecting: 1)
        #expect(attempts.of(0).count == 1, "no retry for an error that is not retryable")
        #expect(DeadLetterInfo(headers: letters[0].headers).attempts == 1)
        await app.stop()
    }

    @Test(
        "a transactional listener's retry stage holds a record until it is due without failing a transaction, then handles it once"
    )
    func transactionalRetryStage() async throws {
        let topic = try await kafka.topic("rt-txn", partitions: 1)
        let embedded = try #require(kafka.embedded, "needs the embedded cluster")
        let attempts = Attempts()
        let backOff = Duration.seconds(1)
        let app = try KafkaApplication(kafka.configuration(), topicAdministration: embedded) {
            Listen("rt-txn", topics: topic) { (record: ConsumerRecord, _) in
                attempts.note(record)
                if record.valueString == "value-0" && RetryTopicHeaders.attempt(of: record) == 1 { throw Flaky() }
            }
            .consumerProperty("auto.offset.reset", "earliest")
            .retryTopics(RetryTopics(attempts: 2, backOff: .fixed(backOff)))
            .transactional(transactionalIdPrefix: kafka.unique("rt-txn"))
        }
        let recorder = Recorder()
        recorder.record(app.registry.events)
        try await app.start()
        try await kafka.produce(3, to: topic, partition: 0)
        try await waitUntil(
            "the failed record retried", timeout: .seconds(60),
            observed: { "\(attempts.all.map { "\($0.offset)@\($0.topic)" }) \(recorder.transactionScript)" }
        ) {
            attempts.of(0).count >= 2
        }
        // EmbeddedKafka does not store offsets sent in a transaction (Docs/Transactions.md): the transaction's own
        // commit event says what it committed.
        let retryPartition = TopicPartition("\(topic)-retry", 0)
        try await waitUntil(
            "a transaction committed the retry topic past the record",
            observed: { "\(recorder.transactionCommits(retryPartition)) \(recorder.transactionScript)" }
        ) {
            recorder.transactionCommits(retryPartition).contains(1)
        }
        let calls = attempts.of(0)
        #expect(calls.map(\.topic) == [topic, "\(topic)-retry"], "one retry, handled once")
        #expect(calls[1].at - calls[0].at >= backOff, "retried \(calls[1].at - calls[0].at) after the failure")
        #expect((1..<3).allSatisfy { attempts.of(Int64($0)).count == 1 }, "the other records once each")
        // Waiting for its due time is not a failure: the retry stage's listener never failed, and none of its
        // transactions aborted.
        let retryFailures = recorder.events.withLock {
            $0.filter { event in
                guard case .listenerFailed(let tp, _, _) = event.kind else { return false }
                return tp.topic == "\(topic)-retry"
            }
        }
        #expect(retryFailures.isEmpty, "\(retryFailures)")
        let retryAborts = recorder.events.withLock {
            $0.filter { event in
                guard event.listenerId == "rt-txn-retry", case .transaction(.aborted) = event.kind else { return false }
                return true
            }
        }
        #expect(retryAborts.isEmpty, "\(retryAborts)")
        await app.stop()
    }

    @Test("a crash while a record waits in a retry topic: after the restart it is retried once, and nothing is lost")
    func crashMidRetry() async throws {
        let topic = try await kafka.topic("rt-crash", partitions: 1)
        let attempts = Attempts()
        // Long enough that the retry cannot come due before the crash, however slow the machine (a full test run on
        // two cores needed over ten seconds from the failure to the main topic's commit).
        let retry = RetryTopics(attempts: 3, backOff: .fixed(.seconds(30)))
        let handler: @Sendable (ConsumerRecord) throws -> Void = { record in
            attempts.note(record)
            if record.valueString == "value-0" && RetryTopicHeaders.attempt(of: record) == 1 { throw Flaky() }
        }
        let first = try app("rt-crash", topic: topic, retry: retry, handler)
        try await first.start()
        try await kafka.produce(3, to: topic, partition: 0)
        try await waitUntil(
            "the failed record forwarded and the main topic committed",
            observed: { "\(attempts.all.map { "\($0.offset)@\($0.topic)" })" }
        ) {
            try await committedOffsets(group: "rt-crash", topic: topic, partitions: 1) == [3]
        }
        // The record waits in the retry topic (not due for thirty seconds): crash every container now.
        for id in first.registry.listenerIds {
            for child in first.registry.container(id: id)?.children ?? [] { await child.simulateCrash() }
        }
        #expect(attempts.of(0).count == 1, "not retried before the crash")
        let second = try app("rt-crash", topic: topic, retry: retry, handler)
        let recorder = Recorder()
        recorder.record(second.registry.events)
        try await second.start()
        try await waitUntil(
            "retried after the restart", timeout: .seconds(90),
            observed: { "\(attempts.all.map { "\($0.offset)@\($0.topic)" })" }
        ) {
            attempts.of(0).count >= 2
        }
        try await waitUntil("the retry topic committed") {
            try await committedOffsets(group: "rt-crash-retry", topic: "\(topic)-retry", partitions: 1) == [1]
        }
        // At least once: a commit of the retry topic the broker refused (EmbeddedKafka refuses commits while the
        // group rebalances, and the crashed member's departure is such a rebalance) lets the retry come again.
        let refusedRetryCommits = recorder.events.withLock {
            $0.filter { (event: ContainerEvent) -> Bool in
                guard case .commitFailed(let offsets, _) = event.kind else { return false }
                return offsets.contains { $0.topicPartition.topic == "\(topic)-retry" }
            }
        }
        if refusedRetryCommits.isEmpty {
            #expect(attempts.of(0).map(\.topic) == [topic, "\(topic)-retry"], "one retry, no duplicate")
        } else {
            #expect(attempts.of(0).dropFirst().allSatisfy { $0.topic == "\(topic)-retry" }, "retried, never lost")
        }
        #expect((1..<3).allSatisfy { attempts.of(Int64($0)).count == 1 }, "the other records once each")
        await second.stop()
    }
}
