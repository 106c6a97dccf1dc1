// RequestReply: a request/reply service and its client in one process (Spring-Kafka's @SendTo and
// ReplyingKafkaTemplate), on an embedded broker.
//
// A "quotes" listener answers each QuoteRequest with a Quote; it returns the quote, and the framework sends it to the
// topic the request names in its kafka_replyTopic header, with the request's correlation id. The client sends one
// request (answered once the listener has joined its group), then 200 requests at once (REQUESTS=n for another count)
// through one ReplyingProducer, awaiting each reply, then one request with a timeout too short for a deliberately slow
// quote. Run it with `swift run RequestReplyDemo`.
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}

struct QuoteRequest: JSONPayload {
    var item: String
    var quantity: Int
}

struct Quote: JSONPayload {
    var item: String
    var quantity: Int
    var priceCents: Int
}

func price(_ request: QuoteRequest) async throws -> Quote {
    if request.item == "slow" { try await Task.sleep(for: .seconds(1)) }
    return Quote(item: request.item, quantity: request.quantity, priceCents: request.quantity * 250)
}

let kafka = try await EmbeddedKafka.start()
try kafka.createTopic("quote-requests", partitions: 3)
try kafka.createTopic("quote-replies", partitions: 1)
let configuration = kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])

// The service: a listener that returns its reply.
let replyProducer = try KafkaProducer(configuration: configuration)
let replies = ReplySender(producer: replyProducer)
let app = try KafkaApplication(configuration, topicAdministration: kafka) {
    Listen("quotes", topics: "quote-requests", concurrency: 3, replies: replies) {
        (request: QuoteRequest, _) -> Quote in try await price(request)
    }
    .consumerProperty("auto.offset.reset", "earliest")
}
try await app.start()

// The client: one ReplyingProducer, many requests in flight.
let requestProducer = try KafkaProducer(configuration: configuration)
let client = try ReplyingProducer(
    producer: requestProducer, configuration: configuration, replyTopic: "quote-replies", defaultTimeout: .seconds(30))
try await client.start()

// The first reply also waits for the listener to join its group.
let joinStarted = ContinuousClock.now
_ = try await client.request(topic: "quote-requests", value: QuoteRequest(item: "first", quantity: 1), as: Quote.self)
print("first quote after \(ContinuousClock.now - joinStarted) (the listener joins its group)")

let requests = Int(ProcessInfo.processInfo.environment["REQUESTS"] ?? "") ?? 200
let started = ContinuousClock.now
let quotes = try await withThrowingTaskGroup(of: Quote.self) { group in
    for n in 1...requests {
        group.addTask {
            try await client.request(
                topic: "quote-requests", value: QuoteRequest(item: "item-\(n)", quantity: n), as: Quote.self)
        }
    }
    var quotes: [Quote] = []
    for try await quote in group { quotes.append(quote) }
    return quotes
}
let elapsed = ContinuousClock.now - started
let correct = quotes.filter { $0.item == "item-\($0.quantity)" && $0.priceCents == $0.quantity * 250 }.count
print(
    "\(requests) requests in flight at once: \(quotes.count) quotes received, \(correct) matching their requests, in \(elapsed)"
)

var timedOut = false
do {
    _ = try await client.request(
        topic: "quote-requests", value: QuoteRequest(item: "slow", quantity: 1), as: Quote.self,
        timeout: .milliseconds(200))
} catch ReplyingProducerError.timedOut(_, let after) {
    timedOut = true
    print("the slow quote timed out after \(after); its late reply will be dropped")
}

await client.close()
await app.stop()
await requestProducer.close()
await replyProducer.close()
await kafka.stop()
if correct != requests || !timedOut {
    print("expected \(requests) matching quotes and one timeout")
    exit(1)
}
