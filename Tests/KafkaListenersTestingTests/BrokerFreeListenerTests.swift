import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Synchronization
import Testing

struct WarehouseDown: Error {}

/// Notes each interceptor call.
final class CallLog: RecordInterceptor {
    let calls = Mutex<[String]>([])
    func intercept(_ record: ConsumerRecord, context: ListenerContext) async -> ConsumerRecord? {
        calls.withLock { $0.append("intercept \(record.offset)") }
        return record
    }
    func success(_ record: ConsumerRecord, context: ListenerContext) async {
        calls.withLock { $0.append("success \(record.offset)") }
    }
    func failure(_ record: ConsumerRecord, error: any Error, context: ListenerContext) async {
        calls.withLock { $0.append("failure \(record.offset)") }
    }
    func afterRecord(_ record: ConsumerRecord, context: ListenerContext) async {
        calls.withLock { $0.append("after \(record.offset)") }
    }
}

/// Drops one offset from every poll.
struct DropOffset: ConsumerInterceptor {
    var offset: Int64
    func onConsume(_ records: [ConsumerRecord]) -> [ConsumerRecord] { records.filter { $0.offset != offset } }
}

@Suite("Listeners tested with ListenerTestKit, without a broker", .timeLimit(.minutes(1)))
struct BrokerFreeListenerTests {
    @Test("A reserved order is acknowledged; the listener gets the decoded order and its headers")
    func acknowledged() async throws {
        let seen = Mutex<[String]>([])
        let kit = try ListenerTestKit(
            orderListener(deadLetters: .unsent()) { order, tenant in
                seen.withLock { $0.append("\(order.id) for \(tenant ?? "nobody")") }
                return .reserved
            })
        let outcome = try await kit.deliver(
            Order(id: 7, amount: 12), key: "order-7", headers: [RecordHeader(key: "tenant", string: "acme")])
        #expect(outcome.succeeded)
        #expect(outcome.acknowledged == [RecordPosition(TopicPartition("orders", 0), 0)])
        #expect(outcome.processed == outcome.acknowledged)
        #expect(outcome.retries.isEmpty && outcome.recovered.isEmpty && outcome.nacks.isEmpty)
        #expect(seen.withLock { $0 } == ["7 for acme"])
        // The next record the kit builds goes to the next offset.
        let second = try await kit.deliver(Order(id: 8, amount: 1), key: "order-8")
        #expect(second.acknowledged.map(\.offset) == [1])
    }

    @Test("A busy warehouse nacks the order: nothing is acknowledged, the sleep is reported, not slept")
    func nacked() async throws {
        let kit = try ListenerTestKit(orderListener(deadLetters: .unsent()) { _, _ in .busy })
        let start = ContinuousClock.now
        let outcome = try await kit.deliver(Order(id: 1, amount: 3), key: "order-1")
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(outcome.succeeded)
        #expect(outcome.nacks.count == 1)
        #expect(outcome.nacks.first?.index == 0 && outcome.nacks.first?.sleep == .seconds(5))
        #expect(outcome.nacks.first?.position == RecordPosition(TopicPartition("orders", 0), 0))
        #expect(outcome.acknowledged.isEmpty && outcome.processed.isEmpty)
    }

    @Test("A failing warehouse: two retries 1 s apart (not slept), then a dead letter as DeadLetterPublisher builds it")
    func deadLettered() async throws {
        let kit = try ListenerTestKit(orderListener(deadLetters: .unsent()) { _, _ in throw WarehouseDown() })
        let record = ConsumerRecord.test(
            topic: "orders", partition: 2, offset: 41, key: "order-9", value: #"{"id":9,"amount":5}"#,
            headers: [RecordHeader(key: "tenant", string: "acme")], timestampMilliseconds: 1_700_000_000_000)
        let outcome = try await kit.deliver(record)
        #expect(outcome.calls.count == 3)
        #expect(outcome.error is WarehouseDown)
        #expect(outcome.retries.map(\.attempt) == [1, 2])
        #expect(outcome.retries.map(\.delay) == [.seconds(1), .seconds(1)])
        let letter = try #require(outcome.deadLetters.first)
        #expect(letter.topic == "orders.DLT" && letter.partition == 2)
        #expect(letter.key == Array("order-9".utf8) && letter.value == Array(#"{"id":9,"amount":5}"#.utf8))
        let headers = letter.headers
        #expect(headers.lastString(for: "tenant") == "acme")
        #expect(DeadLetterInfo(headers: headers).originalTopic == "orders")
        #expect(DeadLetterInfo(headers: headers).originalPartition == 2)
        #expect(DeadLetterInfo(headers: headers).originalOffset == 41)
        #expect(DeadLetterInfo(headers: headers).originalTimestamp == 1_700_000_000_000)
        #expect(DeadLetterInfo(headers: headers).exceptionType?.hasSuffix("WarehouseDown") == true)
        #expect(DeadLetterInfo(headers: headers).attempts == 3)
        // Recovered on the listener's behalf: committed past even though it never acknowledged.
        #expect(outcome.acknowledged.isEmpty)
        #expect(outcome.processed == [RecordPosition(TopicPartition("orders", 2), 41)])
    }

    @Test("A not-retryable error goes to the dead-letter topic at once")
    func notRetryable() async throws {
        let kit = try ListenerTestKit(orderListener(deadLetters: .unsent()) { _, _ in .reserved })
        let outcome = try await kit.deliver(Order(id: 3, amount: 0), key: "order-3")
        #expect(outcome.calls.count == 1 && outcome.retries.isEmpty)
        #expect(outcome.error is InvalidOrder)
        let letter = try #require(outcome.deadLetters.first)
        #expect(DeadLetterInfo(headers: letter.headers).exceptionMessage == "order 3 has no amount")
        #expect(DeadLetterInfo(headers: letter.headers).attempts == 1)
    }

    @Test(
        "A payload that does not decode never reaches the listener: DeserializationError, dead letter with the raw bytes"
    )
    func deserializationFailure() async throws {
        let called = Mutex(false)
        let kit = try ListenerTestKit(
            orderListener(deadLetters: .unsent()) { _, _ in
                called.withLock { $0 = true }
                return .reserved
            })
        let outcome = try await kit.deliver(rawValue: Array("not json".utf8), key: Array("order-4".utf8))
        #expect(!called.withLock { $0 })
        let error = try #require(outcome.error as? DeserializationError)
        #expect(error.part == .value && error.rawValue == Array("not json".utf8))
        #expect(outcome.calls.count == 1 && outcome.retries.isEmpty)
        let letter = try #require(outcome.deadLetters.first)
        #expect(letter.value == Array("not json".utf8) && letter.key == Array("order-4".utf8))
        #expect(DeadLetterInfo(headers: letter.headers).exceptionType?.hasSuffix("DeserializationError") == true)
    }

    @Test("A filter skips records before the listener; in manual mode a skipped record counts as acknowledged")
    func filtered() async throws {
        let kit = try ListenerTestKit(
            orderListener(deadLetters: .unsent()) { _, _ in .reserved }
                .filter { $0.headers.lastString(for: "test") == nil })
        let outcome = try await kit.deliver(
            Order(id: 5, amount: 2), key: "order-5", headers: [RecordHeader(key: "test", string: "1")])
        #expect(outcome.calls.isEmpty)
        #expect(outcome.skipped.map(\.offset) == [0])
        #expect(outcome.processed.map(\.offset) == [0])
    }

    @Test(
        "A batch listener that names its failed record: earlier records processed, the failed one retried then skipped, the rest delivered again"
    )
    func batchFailure() async throws {
        let endpoint = ListenerEndpoint(
            id: "payments", selection: .topics(["payments"]),
            listener: .batch { records, _ in
                if let bad = records.firstIndex(where: { $0.valueString == "bad" }) {
                    throw BatchListenerFailedError(index: bad, cause: WarehouseDown())
                }
            },
            errorHandler: ErrorHandler(backOff: .fixed(.milliseconds(200), maxAttempts: 2), recoverer: .logAndSkip))
        let kit = ListenerTestKit(endpoint)
        let records = ["a", "bad", "c"].enumerated().map {
            ConsumerRecord.test(topic: "payments", offset: Int64($0), value: $1)
        }
        let outcome = try await kit.deliver(records)
        #expect(outcome.calls.map { $0.records.map(\.offset) } == [[0, 1, 2], [1, 2], [2]])
        #expect(outcome.retries.map(\.delay) == [.milliseconds(200)])
        #expect(outcome.recovered.map(\.record.offset) == [1])
        #expect(outcome.processed.map(\.offset) == [0, 1, 2])
        #expect(outcome.succeeded)
    }

    @Test("A seek is recorded, and the rest of that partition's records in the delivery are not handed over")
    func seek() async throws {
        let endpoint = ListenerEndpoint(
            id: "audit", selection: .topics(["audit"]),
            listener: .record { record, context in
                if record.offset == 1 { context.seek(record.topicPartition, to: 0) }
            })
        let kit = ListenerTestKit(endpoint)
        let outcome = try await kit.deliver(
            (0..<4).map { ConsumerRecord.test(topic: "audit", offset: $0, value: "v\($0)") })
        #expect(outcome.seeks.map(\.position) == [.offset(0)])
        #expect(outcome.calls.count == 2)
        #expect(outcome.notDelivered.map(\.offset) == [2, 3])
        #expect(outcome.processed.map(\.offset) == [0, 1])
    }

    @Test(
        "A context from ListenerCallRecorder records calls; nack in an automatic ack mode throws as it does in a container"
    )
    func recorder() async throws {
        let endpoint = ListenerEndpoint(id: "plain", selection: .topics(["plain"]), listener: .record { _, _ in })
        let recorder = ListenerCallRecorder(endpoint: endpoint)
        let records = (0..<3).map { ConsumerRecord.test(topic: "plain", offset: $0, value: "x") }
        let context = recorder.context(for: records)
        #expect(context.listenerId == "plain" && context.containerId == "plain-0")
        #expect(context.offsets == [TopicPartition("plain", 0): 0...2])
        context.acknowledgment.acknowledge(upTo: 1)
        #expect(throws: ListenerError.self) { try context.acknowledgment.nack(index: 2, sleep: .seconds(1)) }
        #expect(
            recorder.calls == [
                .acknowledge([
                    RecordPosition(TopicPartition("plain", 0), 0), RecordPosition(TopicPartition("plain", 0), 1),
                ])
            ])
    }

    @Test(
        "A recoverer that stops the container: the record is not processed, the rest of the delivery is not handed over"
    )
    func stopContainer() async throws {
        let endpoint = ListenerEndpoint(
            id: "strict", selection: .topics(["strict"]), listener: .record { _, _ in throw WarehouseDown() },
            errorHandler: ErrorHandler(backOff: .none, recoverer: .stopContainer))
        let outcome = try await ListenerTestKit(endpoint).deliver(
            (0..<2).map { ConsumerRecord.test(topic: "strict", offset: $0, value: "x") })
        #expect(outcome.stopsContainer)
        #expect(outcome.processed.isEmpty)
        #expect(outcome.notDelivered.map(\.offset) == [1])
    }

    @Test("A back-off that never gives up stops at the kit's call limit and says so")
    func endlessRetries() async throws {
        let endpoint = ListenerEndpoint(
            id: "stubborn", selection: .topics(["stubborn"]), listener: .record { _, _ in throw WarehouseDown() },
            errorHandler: ErrorHandler(backOff: .custom { _, _ in .zero }))
        let outcome = try await ListenerTestKit(endpoint, maxCallsPerDelivery: 5).deliver(
            ConsumerRecord.test(topic: "stubborn", value: "x"))
        #expect(outcome.stillRetrying && outcome.calls.count == 5 && outcome.recovered.isEmpty)
    }

    @Test("Interceptors run around every call as in a container: a retried record goes through them again")
    func interceptors() async throws {
        let log = CallLog()
        let failures = Mutex(1)
        let endpoint = ListenerEndpoint(
            id: "audit", selection: .topics(["audit"]),
            listener: .record { _, _ in
                if failures.withLock({ count in
                    defer { count -= 1 }
                    return count > 0
                }) {
                    throw WarehouseDown()
                }
            },
            errorHandler: ErrorHandler(backOff: .fixed(.zero, maxAttempts: 3)),
            interceptors: Interceptors(record: [log], consumer: [DropOffset(offset: 1)]))
        let kit = ListenerTestKit(
            endpoint, registryInterceptors: Interceptors(record: [RecordFilter { $0.valueString != "noise" }]))
        let outcome = try await kit.deliver(
            ["first", "dropped", "noise"].enumerated().map {
                ConsumerRecord.test(topic: "audit", offset: Int64($0), value: $1)
            })
        #expect(
            log.calls.withLock { $0 } == ["intercept 0", "failure 0", "after 0", "intercept 0", "success 0", "after 0"])
        #expect(outcome.skipped.map(\.offset) == [1, 2])
        #expect(outcome.retries.map(\.attempt) == [1])
        #expect(outcome.processed.map(\.offset) == [0, 1, 2])
    }

    @Test("A declaration of several listeners needs the id of the one to test")
    func choosingTheListener() throws {
        let both = ListenerGroup {
            Listen("a", topics: "a") { (_: ConsumerRecord, _) in }
            Listen("b", topics: "b") { (_: ConsumerRecord, _) in }
        }
        #expect(throws: ListenerError.self) { try ListenerTestKit(both) }
        #expect(throws: ListenerError.unknownListenerId("c")) { try ListenerTestKit(both, listenerId: "c") }
        #expect(try ListenerTestKit(both, listenerId: "b").endpoint.id == "b")
    }

    @Test("Docs/Testing.md shows code from these tests verbatim")
    func docsMatchTests() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = here.deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("Docs/Testing.md"), encoding: .utf8)
        let sources = try FileManager.default.contentsOfDirectory(atPath: here.path).filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: here.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        let blocks = doc.components(separatedBy: "```swift\n").dropFirst().compactMap {
            $0.components(separatedBy: "```").first
        }
        #expect(blocks.count >= 4)
        for block in blocks {
            // Code from inside a suite is shown without the suite's indentation.
            let indented = block.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            #expect(
                sources.contains(block) || sources.contains(indented),
                "not in Tests/KafkaListenersTestingTests: \(block)")
        }
    }
}
