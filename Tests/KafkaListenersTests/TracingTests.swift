import InMemoryTracing
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Synchronization
import Testing
import Tracing

@Suite("Tracing: one trace from the producer's send to the listener's handling", .timeLimit(.minutes(10)))
struct TracingTests {
    /// A registry running `listener` on `topic`.
    func start(_ listener: Listener, on topic: String) async throws -> ListenerRegistry {
        let registry = ListenerRegistry(
            baseConfiguration: kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        try registry.register(
            ListenerEndpoint(
                id: "traced", selection: .topics([topic]), listener: listener, groupId: kafka.unique("tracing")))
        try await registry.startAll()
        return registry
    }

    @Test("a record listener's span is the child of the producer span whose context travelled in the headers")
    func recordListener() async throws {
        let tracer = InMemoryTracer()
        let topic = try await kafka.topic("tracing", partitions: 1)
        let handled = Mutex<[ConsumerRecord]>([])
        let registry = try await start(
            Listener.record { record, _ in handled.withLock { $0.append(record) } }.traced(tracer: tracer), on: topic)
        let producer = try KafkaProducer(configuration: kafka.producerConfig())

        let traced = try await withTracer(tracer) {
            try await producer.send(ProducerRecord(topic: topic, key: "k", value: "traced"))
        }
        // Without a tracer in effect the producer makes no span and leaves the headers alone.
        try await producer.send(ProducerRecord(topic: topic, key: "k", value: "plain"))
        try await waitUntil(
            "both records handled", timeout: .seconds(60), observed: { "\(handled.withLock { $0.count })" }
        ) {
            handled.withLock { $0.count } == 2
        }
        try await waitUntil(
            "two process spans finished", timeout: .seconds(10),
            observed: { "\(tracer.finishedSpans.map(\.operationName))" }
        ) {
            tracer.finishedSpans.filter { $0.operationName == "process \(topic)" }.count == 2
        }
        let spans = tracer.finishedSpans
        let send = try #require(spans.first { $0.operationName == "send \(topic)" })
        #expect(spans.filter { $0.operationName == "send \(topic)" }.count == 1, "only the traced send made a span")
        #expect(send.kind == .producer)
        #expect(send.attributes["messaging.destination.name"]?.toSpanAttribute() == "\(topic)".toSpanAttribute())
        #expect(send.attributes["messaging.kafka.offset"]?.toSpanAttribute() == Int(traced.offset).toSpanAttribute())

        let records = handled.withLock { $0 }
        let tracedRecord = try #require(records.first { $0.valueString == "traced" })
        let plainRecord = try #require(records.first { $0.valueString == "plain" })
        #expect(tracedRecord.headers.lastString(for: InMemoryTracer.traceIDKey) == send.traceID)
        #expect(plainRecord.headers.isEmpty)

        let processes = spans.filter { $0.operationName == "process \(topic)" }
        let child = try #require(
            processes.first {
                $0.attributes["messaging.kafka.offset"]?.toSpanAttribute() == Int(tracedRecord.offset).toSpanAttribute()
            })
        #expect(child.kind == .consumer)
        #expect(child.traceID == send.traceID, "one trace spans the produce and the handling")
        #expect(child.parentSpanID == send.spanID)
        let orphan = try #require(processes.first { $0.spanID != child.spanID })
        #expect(
            orphan.parentSpanID == nil && orphan.traceID != send.traceID,
            "a record without context starts its own trace")

        await producer.close()
        await registry.stopAll()
    }

    @Test(
        "with a W3C tracer bootstrapped nowhere but bound to the task, the record carries a traceparent header the listener continues"
    )
    func w3cTraceparent() async throws {
        let tracer = W3CTestTracer()
        let topic = try await kafka.topic("tracing-w3c", partitions: 1)
        let handled = Mutex<[ConsumerRecord]>([])
        let registry = try await start(
            Listener.record { record, _ in handled.withLock { $0.append(record) } }.traced(tracer: tracer), on: topic)
        let producer = try KafkaProducer(configuration: kafka.producerConfig())
        try await withTracer(tracer) {
            try await tracer.withSpan("checkout") { (_: W3CTestTracer.TestSpan) in
                _ = try await producer.send(ProducerRecord(topic: topic, value: "w3c"))
            }
        }
        try await waitUntil(
            "the record handled and its span ended", timeout: .seconds(60),
            observed: { "\(tracer.finished.map(\.name))" }
        ) {
            tracer.finished.contains { $0.name == "process \(topic)" }
        }
        let spans = tracer.finished
        let checkout = try #require(spans.first { $0.name == "checkout" })
        let send = try #require(spans.first { $0.name == "send \(topic)" })
        let process = try #require(spans.first { $0.name == "process \(topic)" })
        #expect(send.parentSpanID == checkout.spanID && send.kind == .producer)
        let header = try #require(handled.withLock { $0.first }?.headers.lastString(for: "traceparent"))
        #expect(header == "00-\(send.traceID)-\(send.spanID)-01")
        #expect(process.traceID == checkout.traceID && process.parentSpanID == send.spanID && process.kind == .consumer)
        await producer.close()
        await registry.stopAll()
    }

    @Test(
        "a batch listener gets one span per batch, linked to every record's producer span; errors are recorded and rethrown"
    )
    func batchListener() async throws {
        let tracer = InMemoryTracer()
        let topic = try await kafka.topic("tracing-batch", partitions: 1)
        let batches = Mutex<Int>(0)
        let registry = try await start(
            Listener.batch { _, _ in
                let number = batches.withLock { count -> Int in
                    count += 1
                    return count
                }
                if number == 1 { throw TracingTestFailure() }
            }.traced(tracer: tracer), on: topic)
        let producer = try KafkaProducer(configuration: kafka.producerConfig())
        var sent: [String] = []
        try await withTracer(tracer) {
            for i in 0..<3 { try await producer.sendAndForget(ProducerRecord(topic: topic, key: "k", value: "v\(i)")) }
        }
        try await producer.flush()
        sent = tracer.finishedSpans.filter { $0.operationName == "send \(topic)" }.map(\.spanID)
        #expect(sent.count == 3)
        try await waitUntil(
            "all three records linked from batch spans", timeout: .seconds(60),
            observed: { "\(tracer.finishedSpans.map(\.operationName))" }
        ) {
            let linked = tracer.finishedSpans.filter { $0.operationName == "process \(topic)" }.flatMap(\.links)
                .compactMap(\.context.inMemorySpanContext?.spanID)
            return Set(linked).isSuperset(of: sent)
        }
        let processes = tracer.finishedSpans.filter { $0.operationName == "process \(topic)" }
        #expect(processes.allSatisfy { $0.kind == .consumer && $0.parentSpanID == nil })
        #expect(processes.first?.status?.code == .error, "the first batch threw")
        #expect(processes.first?.errors.first?.error is TracingTestFailure)
        await producer.close()
        await registry.stopAll()
    }
}

/// The error the batch test's listener throws once.
struct TracingTestFailure: Error {}
