// RetryTopics: non-blocking retries through retry topics (Spring-Kafka's @RetryableTopic), on an embedded broker.
//
// A "payments" listener calls a flaky gateway: a third of the payments fail their first attempt, one in ten their
// second too, and a few never go through. Failed payments are forwarded to retry topics (payments-retry-200,
// payments-retry-400) and retried once due, while the main topic keeps flowing; after the third attempt a payment
// lands in payments-dlt, whose handler reports it. Run it with `swift run RetryTopicsDemo`.
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import Synchronization

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}

/// A payment gateway that fails on purpose: payment `n` fails attempts below `n % 3 == 0 ? 2 : 1`, and every
/// 25th never succeeds.
struct GatewayDown: Error {}
func charge(_ payment: Int, attempt: Int) throws {
    if payment % 25 == 24 { throw GatewayDown() }
    if payment % 3 == 0 && attempt < 2 { throw GatewayDown() }
    if payment % 10 == 9 && attempt < 3 { throw GatewayDown() }
}

let payments = 100
let kafka = try await EmbeddedKafka.start()
try kafka.createTopic("payments", partitions: 3)
let succeeded = Mutex<[Int: Int]>([:])  // attempt → payments that succeeded on it
let deadLettered = Mutex<[Int]>([])

let configuration = kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
let app = try KafkaApplication(configuration, topicAdministration: kafka) {
    Listen("payments", topics: "payments") { (record: ConsumerRecord, _) in
        let payment = Int(record.valueString ?? "") ?? -1
        let attempt = RetryTopicHeaders.attempt(of: record)
        try charge(payment, attempt: attempt)
        succeeded.withLock { $0[attempt, default: 0] += 1 }
    }
    .consumerProperty("auto.offset.reset", "earliest")
    .retryTopics(
        RetryTopics(
            attempts: 3, backOff: .exponential(initial: .milliseconds(200), multiplier: 2, max: .seconds(1)),
            deadLetter: .enabled(handler: { record, _ in
                deadLettered.withLock { $0.append(Int(record.valueString ?? "") ?? -1) }
            })))
}
try await app.start()
print("listeners: " + app.registry.listenerIds.joined(separator: ", "))

let producer = try KafkaProducer(configuration: kafka.configuration())
for payment in 0..<payments {
    _ = try await producer.send(ProducerRecord(topic: "payments", key: "payment-\(payment)", value: "\(payment)"))
}
await producer.close()

let deadline = ContinuousClock.now + .seconds(60)
while succeeded.withLock({ $0.values.reduce(0, +) }) + deadLettered.withLock(\.count) < payments && .now < deadline {
    try await Task.sleep(for: .milliseconds(100))
}
let byAttempt = succeeded.withLock { $0 }
let dead = deadLettered.withLock { $0.sorted() }
print(
    "\(payments) payments: " + (1...3).map { "\(byAttempt[$0] ?? 0) on attempt \($0)" }.joined(separator: ", ")
        + ", \(dead.count) dead-lettered (\(dead.map(String.init).joined(separator: ", ")))")
await app.stop()
await kafka.stop()
let handled = byAttempt.values.reduce(0, +) + dead.count
if handled != payments {
    print("only \(handled) of \(payments) payments were accounted for within a minute")
    exit(1)
}
