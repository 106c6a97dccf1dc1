import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Retry topics: names, destinations and headers (no broker)", .timeLimit(.minutes(1)))
struct RetryTopicPlanTests {
    struct Boom: Error {}
    struct Unparsable: NotRetryableError {}

    @Test("topic names: one per wait (Spring's delay suffix), by index, one reused for a fixed wait, repeats shared")
    func names() {
        let exponential = RetryTopics(
            attempts: 4, backOff: .exponential(initial: .seconds(1), multiplier: 2, max: .seconds(30)))
        #expect(
            RetryTopicPlan(mainTopic: "orders", configuration: exponential).retryTopics == [
                "orders-retry-1000", "orders-retry-2000", "orders-retry-4000",
            ])
        var byIndex = exponential
        byIndex.naming = .indexValue
        #expect(
            RetryTopicPlan(mainTopic: "orders", configuration: byIndex).retryTopics == [
                "orders-retry-0", "orders-retry-1", "orders-retry-2",
            ])
        let fixed = RetryTopicPlan(
            mainTopic: "orders", configuration: RetryTopics(attempts: 5, backOff: .fixed(.seconds(5))))
        #expect(fixed.retryTopics == ["orders-retry"])
        #expect(fixed.retries.count == 4, "four retries through one topic")
        let capped = RetryTopics(
            attempts: 6, backOff: .exponential(initial: .seconds(1), multiplier: 10, max: .seconds(30)))
        #expect(
            RetryTopicPlan(mainTopic: "o", configuration: capped).retryTopics == [
                "o-retry-1000", "o-retry-10000", "o-retry-30000",
            ])
        #expect(RetryTopicPlan(mainTopic: "o", configuration: capped).topics.last == "o-dlt")
        var custom = capped
        custom.retrySuffix = ".retry"
        custom.deadLetterSuffix = ".DLT"
        custom.deadLetter = .disabled
        #expect(
            RetryTopicPlan(mainTopic: "o", configuration: custom).topics == [
                "o.retry-1000", "o.retry-10000", "o.retry-30000",
            ])
    }

    @Test(
        "after each failed attempt: the next retry topic and its wait; after the last, or for an error not retried, the dead-letter topic"
    )
    func destinations() {
        let plan = RetryTopicPlan(
            mainTopic: "t",
            configuration: RetryTopics(
                attempts: 3, backOff: .exponential(initial: .milliseconds(100), multiplier: 3, max: .seconds(1))))
        #expect(
            plan.next(afterFailedAttempt: 1, retryable: true)
                == .retry(topic: "t-retry-100", delay: .milliseconds(100), attempt: 2))
        #expect(
            plan.next(afterFailedAttempt: 2, retryable: true)
                == .retry(topic: "t-retry-300", delay: .milliseconds(300), attempt: 3))
        #expect(plan.next(afterFailedAttempt: 3, retryable: true) == .deadLetter(topic: "t-dlt"))
        #expect(plan.next(afterFailedAttempt: 1, retryable: false) == .deadLetter(topic: "t-dlt"))
        #expect(
            plan.next(afterFailedAttempt: 0, retryable: true) == .deadLetter(topic: "t-dlt"),
            "a nonsense attempt number is not retried")
        #expect(plan.next(afterFailedAttempt: .max, retryable: true) == .deadLetter(topic: "t-dlt"))
        let dropping = RetryTopicPlan(mainTopic: "t", configuration: RetryTopics(attempts: 2, deadLetter: .disabled))
        #expect(dropping.next(afterFailedAttempt: 2, retryable: true) == .drop)
    }

    @Test("settings retry topics cannot serve are refused, naming the listener")
    func refused() {
        let endpoint = ListenerEndpoint(id: "l", selection: .topics(["t"]), listener: .record { _, _ in })
        for bad in [
            RetryTopics(attempts: 1), RetryTopics(attempts: 101),
            RetryTopics(retrySuffix: "-x", deadLetterSuffix: "-x"),
            RetryTopics(backOff: .exponential(initial: .seconds(1), multiplier: .nan, max: .seconds(2))),
        ] {
            #expect(throws: ListenerError.self) { _ = try RetryTopicsExpansion.plans(endpoint, bad) }
        }
        var pattern = endpoint
        pattern.selection = .pattern("t.*")
        #expect(throws: ListenerError.self) { _ = try RetryTopicsExpansion.plans(pattern, RetryTopics()) }
        let long = ListenerEndpoint(
            id: "l", selection: .topics([String(repeating: "t", count: 245)]), listener: .record { _, _ in })
        #expect(throws: ListenerError.self, "a retry topic name over 249 characters") {
            _ = try RetryTopicsExpansion.plans(long, RetryTopics())
        }
    }

    @Test("headers: Java BigInteger's minimal bytes both ways; 4-byte attempts; hostile values read as nothing")
    func headers() {
        let vectors: [(Int64, [UInt8])] = [
            (0, [0x00]), (127, [0x7F]), (128, [0x00, 0x80]), (-1, [0xFF]), (-129, [0xFF, 0x7F]),
            (1_700_000_000_000, [0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00]),
            (.max, [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ]
        for (value, bytes) in vectors {
            #expect(RetryTopicHeaders.minimalBytes(value) == bytes, "\(value)")
            #expect(RetryTopicHeaders.integer(bytes) == value, "\(bytes)")
        }
        #expect(RetryTopicHeaders.integer([]) == nil)
        #expect(RetryTopicHeaders.integer(Array(repeating: 1, count: 9)) == nil)
        func record(_ headers: [RecordHeader]) -> ConsumerRecord {
            ConsumerRecord(
                topic: "t", partition: 0, offset: 0, timestamp: RecordTimestamp(kind: .createTime, milliseconds: 5),
                key: nil, value: nil, headers: headers)
        }
        #expect(RetryTopicHeaders.attempt(of: record([])) == 1)
        #expect(
            RetryTopicHeaders.attempt(of: record([RecordHeader(key: RetryTopicHeaders.attempts, value: [0, 0, 0, 3])]))
                == 3)
        #expect(
            RetryTopicHeaders.attempt(of: record([RecordHeader(key: RetryTopicHeaders.attempts, value: [3])])) == 3,
            "Spring 2.x wrote one byte")
        #expect(
            RetryTopicHeaders.attempt(of: record([RecordHeader(key: RetryTopicHeaders.attempts, value: [0xFF])])) == 1,
            "a negative attempt counts as the first")
        #expect(RetryTopicHeaders.attempt(of: record([RecordHeader(key: RetryTopicHeaders.attempts, value: nil)])) == 1)
        #expect(RetryTopicHeaders.originalMilliseconds(of: record([])) == 5)
        var random = SplitMix64(seed: 21)
        for _ in 0..<20_000 {
            let bytes = (0..<Int(random.next() % 12)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let value = RetryTopicHeaders.integer(bytes)
            #expect((value == nil) == (bytes.isEmpty || bytes.count > 8))
            _ = RetryTopicHeaders.attempt(of: record([RecordHeader(key: RetryTopicHeaders.attempts, value: bytes)]))
            _ = RetryTopicHeaders.dueMilliseconds(
                of: record([RecordHeader(key: RetryTopicHeaders.backOffTimestamp, value: bytes)]))
        }
    }
}
