import KafkaClient
import KafkaListenersTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import KafkaListeners

private struct Question: JSONPayload, Hashable {
    var n: Int
    var hold = false
}

private struct Answer: JSONPayload, Hashable {
    var n: Int
    var square: Int
}

/// Holds listener calls until opened.
private final class ReplyGate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
    let arrivals = Atomic<Int>(0)

    func pass() async {
        arrivals.add(1, ordering: .relaxed)
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// A count shared with closures.
private final class Counter: Sendable {
    let value = Atomic<Int>(0)
    func add() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// Errors the error handler recovered.
private final class Recovered: Sendable {
    let errors = Mutex<[any Error]>([])
    var all: [any Error] { errors.withLock { $0 } }
}

/// A request/reply service on EmbeddedKafka: the replying listener, its producer, and a requester.
private struct Service {
    let app: KafkaApplication
    let replyProducer: KafkaProducer
    let requestProducer: KafkaProducer
    let requester: ReplyingProducer
    let requests: String
    let replies: String
    let handled: Counter

    func stop() async {
        await requester.close()
        await app.stop()
        await replyProducer.close()
        await requestProducer.close()
    }
}

@Suite("Request/reply: a replying listener and ReplyingProducer on EmbeddedKafka", .timeLimit(.minutes(5)))
struct RequestReplyTests {
    private func service(
        _ name: String, replyPartition: Int32? = nil, gate: ReplyGate? = nil, logger: Logger? = nil,
        recovered: Recovered? = nil
    ) async throws -> Service {
        let embedded = try #require(kafka.embedded, "needs the embedded cluster")
        let requests = try await kafka.topic("\(name)-requests", partitions: 3)
        let replies = try await kafka.topic("\(name)-replies", partitions: 2)
        let replyProducer = try KafkaProducer(configuration: kafka.producerConfig())
        let handled = Counter()
        let sender = ReplySender(producer: replyProducer)
        var errorHandler = ErrorHandler(backOff: .fixed(.zero, maxAttempts: 1))
        if let recovered {
            errorHandler.recoverer = .custom { _, error, _ in recovered.errors.withLock { $0.append(error) } }
        }
        let app = try KafkaApplication(kafka.listenerConfiguration(), topicAdministration: embedded) {
            Listen(name, topics: requests, concurrency: 3, replies: sender) { (question: Question, _) -> Answer in
                if question.hold, let gate { await gate.pass() }
                handled.add()
                return Answer(n: question.n, square: question.n * question.n)
            }
            .consumerProperty("auto.offset.reset", "earliest")
            .errorHandler(errorHandler)
        }
        try await app.start()
        let container = try #require(app.registry.container(id: name))
        try await waitUntil(
            "each of the three children owns a request partition",
            observed: { "\(container.children.map(\.assignedPartitions))" }
        ) {
            container.children.allSatisfy { $0.assignedPartitions.count == 1 }
        }
        let requestProducer = try KafkaProducer(configuration: kafka.producerConfig())
        let requester = try ReplyingProducer(
            producer: requestProducer, configuration: kafka.configuration(), replyTopic: replies,
            replyPartition: replyPartition, defaultTimeout: .seconds(30),
            logger: logger ?? Logger(label: "test.requester"))
        try await requester.start()
        return Service(
            app: app, replyProducer: replyProducer, requestProducer: requestProducer, requester: requester,
            requests: requests, replies: replies, handled: handled)
    }

    @Test(
        "a typed round trip: the reply carries the correlation id and the request's key, on the asked partition; a ReplyingProducer runs as a Service too"
    )
    func roundTrip() async throws {
        let service = try await service("rr-trip", replyPartition: 1)
        let answer = try await service.requester.request(
            topic: service.requests, value: Question(n: 7), as: Answer.self)
        #expect(answer == Answer(n: 7, square: 49))

        let keyed = try ProducerRecord.encoding(topic: service.requests, key: "the-key", value: Question(n: 3))
        let reply = try await service.requester.request(keyed, as: Answer.self)
        #expect(reply.value == Answer(n: 3, square: 9))
        #expect(reply.raw.keyString == "the-key")
        #expect(reply.topic == service.replies && reply.partition == 1)
        #expect(reply.raw.headers.lastValue(for: ReplyHeaders.correlationId)?.count == 16)
        #expect(service.requester.pendingRequests == 0 && service.requester.droppedReplies == 0)
        await #expect(throws: KafkaError.self, "a request that cannot be sent fails with the send's error") {
            try await service.requester.request(ProducerRecord(topic: "not a topic", value: "q"))
        }
        #expect(service.requester.pendingRequests == 0)

        let serviced = try ReplyingProducer(
            producer: service.requestProducer, configuration: kafka.configuration(), replyTopic: service.replies,
            replyPartition: 0)
        let group = ServiceGroup(configuration: .init(services: [serviced], logger: Logger(label: "test.group")))
        let running = Task { try await group.run() }
        let requests = service.requests
        try await waitUntil("the service answers through the ServiceGroup's replying producer") {
            (try? await serviced.request(topic: requests, value: Question(n: 2), as: Answer.self))
                == Answer(n: 2, square: 4)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: ReplyingProducerError.closed) {
            try await serviced.request(topic: requests, value: Question(n: 3), as: Answer.self)
        }
        await service.stop()
    }

    @Test("1,000 requests in flight at once each get their own reply")
    func thousandInFlight() async throws {
        let service = try await service("rr-many")
        let requester = service.requester
        let requests = service.requests
        let answers = try await withThrowingTaskGroup(of: (Int, Answer).self) { group in
            for n in 0..<1_000 {
                group.addTask {
                    (n, try await requester.request(topic: requests, value: Question(n: n), as: Answer.self))
                }
            }
            var answers: [Int: Answer] = [:]
            for try await (n, answer) in group { answers[n] = answer }
            return answers
        }
        #expect(answers.count == 1_000)
        #expect(answers.allSatisfy { n, answer in answer == Answer(n: n, square: n * n) })
        #expect(requester.pendingRequests == 0 && requester.droppedReplies == 0)
        #expect(service.handled.count == 1_000)
        await service.stop()
    }

    @Test("a request without a reply in time throws; its late reply is dropped with a debug line; the next one works")
    func timeoutThenLateReply() async throws {
        let gate = ReplyGate()
        let capture = LogCapture(level: .debug)
        let service = try await service("rr-late", gate: gate, logger: capture.logger("test.requester"))
        let requester = service.requester
        let started = ContinuousClock.now
        await #expect(throws: ReplyingProducerError.timedOut(topic: service.requests, after: .milliseconds(500))) {
            try await requester.request(
                topic: service.requests, value: Question(n: 5, hold: true), as: Answer.self, timeout: .milliseconds(500)
            )
        }
        #expect(ContinuousClock.now - started >= .milliseconds(500))
        #expect(requester.pendingRequests == 0)
        try await waitUntil(
            "the held request reached the listener", observed: { "\(gate.arrivals.load(ordering: .relaxed))" }
        ) {
            gate.arrivals.load(ordering: .relaxed) == 1
        }
        gate.open()
        try await waitUntil("the late reply was dropped", observed: { "\(requester.droppedReplies) dropped" }) {
            requester.droppedReplies == 1
        }
        let lines = capture.lines(atLeast: .debug).filter { $0.message.hasPrefix("reply dropped") }
        #expect(lines.count == 1 && lines.first?.level == .debug, "\(lines)")
        #expect(lines.first?.metadata["correlationId"]?.count == 32, "the id in hex: \(lines)")
        let answer = try await requester.request(topic: service.requests, value: Question(n: 6), as: Answer.self)
        #expect(answer == Answer(n: 6, square: 36))
        #expect(requester.droppedReplies == 1)
        await service.stop()
    }

    @Test("cancelling the awaiting task ends the wait; close fails the requests still waiting")
    func cancelAndClose() async throws {
        let gate = ReplyGate()
        let service = try await service("rr-cancel", gate: gate)
        let requester = service.requester
        let requests = service.requests
        let cancelled = Task {
            try await requester.request(topic: requests, value: Question(n: 1, hold: true), as: Answer.self)
        }
        try await waitUntil("the request reached the listener") { gate.arrivals.load(ordering: .relaxed) == 1 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(requester.pendingRequests == 0)

        let waiting = Task {
            try await requester.request(topic: requests, value: Question(n: 2, hold: true), as: Answer.self)
        }
        try await waitUntil("the second request waits", observed: { "\(requester.pendingRequests) pending" }) {
            requester.pendingRequests == 1
        }
        await requester.close()
        await #expect(throws: ReplyingProducerError.closed) { try await waiting.value }
        await #expect(throws: ReplyingProducerError.closed) {
            try await requester.request(topic: requests, value: Question(n: 3), as: Answer.self)
        }
        gate.open()
        await service.stop()
    }

    @Test("hostile reply headers never reach the listener: each goes to the error handler with a ReplyHeaderError")
    func hostileHeaders() async throws {
        let recovered = Recovered()
        let service = try await service("rr-hostile", recovered: recovered)
        let value = try Question(n: 1).encode()
        let hostile: [[RecordHeader]] = [
            [
                RecordHeader(key: ReplyHeaders.replyTopic, string: service.replies),
                RecordHeader(key: ReplyHeaders.replyPartition, value: [0, 1, 0]),
            ],
            [RecordHeader(key: ReplyHeaders.replyTopic, string: "not a topic!")],
            [
                RecordHeader(key: ReplyHeaders.replyTopic, string: service.replies),
                RecordHeader(key: ReplyHeaders.correlationId, value: Array(repeating: 1, count: 100_000)),
            ],
            [],
        ]
        for headers in hostile {
            try await service.requestProducer.send(
                ProducerRecord(topic: service.requests, partition: 0, value: value, headers: headers))
        }
        let answer = try await service.requester.request(
            topic: service.requests, value: Question(n: 4), as: Answer.self)
        #expect(answer == Answer(n: 4, square: 16))
        try await waitUntil("the four hostile requests were recovered", observed: { "\(recovered.all)" }) {
            recovered.all.count == 4
        }
        let errors = recovered.all.compactMap { $0 as? ReplyHeaderError }
        #expect(errors.contains(.invalidReplyPartition(length: 3, value: nil)))
        #expect(errors.contains { if case .invalidReplyTopic = $0 { true } else { false } })
        #expect(errors.contains(.correlationIdTooLong(length: 100_000)))
        #expect(errors.contains(.noReplyTopic))
        #expect(service.handled.count == 1, "only the good request reached the listener")
        await service.stop()
    }

    @Test("a reply that cannot be delivered is a listener failure: the error handler gets the delivery error")
    func undeliverableReply() async throws {
        let recovered = Recovered()
        let service = try await service("rr-undeliverable", recovered: recovered)
        let headers = [
            RecordHeader(key: ReplyHeaders.replyTopic, string: service.replies),
            RecordHeader(key: ReplyHeaders.replyPartition, value: ReplyHeaders.encodePartition(7)),
        ]
        try await service.requestProducer.send(
            ProducerRecord(topic: service.requests, value: try Question(n: 2).encode(), headers: headers))
        try await waitUntil("the request was recovered", observed: { "\(recovered.all)" }) {
            recovered.all.count == 1
        }
        let error = try #require(recovered.all.first as? KafkaError, "\(recovered.all)")
        #expect("\(error)".contains("partition"), "\(error)")
        #expect(service.handled.count == 1, "the listener ran; its reply failed")
        await service.stop()
    }
}
