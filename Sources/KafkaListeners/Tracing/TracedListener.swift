import KafkaClient
import Tracing

extension Listener {
    /// This listener with a consumer span around each call, continuing the trace the producer put in
    /// the record headers (swift-distributed-tracing).
    ///
    /// A record listener gets one span per record, named `process <topic>`, of kind `consumer`, whose
    /// parent is the context extracted from the record's headers (a W3C `traceparent` with an
    /// OpenTelemetry tracer; what `KafkaProducer` injects): the producer's span and the handling end up
    /// in one trace. A batch listener gets one span per batch, a root span that links to the context of
    /// every record that carries one. While the listener runs, the span's context is the task's current
    /// context, so records the listener produces become children of it. A thrown error is recorded on the
    /// span and rethrown unchanged.
    ///
    /// Attributes follow OpenTelemetry's messaging conventions: `messaging.system` (`kafka`),
    /// `messaging.operation.type` (`process`), `messaging.destination.name`,
    /// `messaging.destination.partition.id`, `messaging.kafka.offset` (records), `messaging.batch.message_count`
    /// (batches) and `messaging.consumer.group.name` when the endpoint names a group.
    ///
    /// - Parameter tracer: the tracer to use; nil uses the one in effect at each call (bootstrapped with
    ///   `InstrumentationSystem`), and with none in effect the listener runs as it is, with no span.
    public func traced(tracer: (any Tracer)? = nil) -> Listener {
        switch self {
        case .record, .syncRecord:
            // A synchronous listener is traced through its async form (the span needs an async scope).
            let handle = recordHandler!
            return .record { record, context in
                guard let tracer = tracer ?? KafkaTracing.activeTracer else { return try await handle(record, context) }
                var parent = ServiceContext.current ?? .topLevel
                tracer.extract(record.headers, into: &parent, using: RecordHeadersExtractor())
                let span = tracer.startSpan("process \(record.topic)", context: parent, ofKind: .consumer)
                ListenerSpanAttributes.set(on: span, topic: record.topic, context: context)
                span.attributes["messaging.destination.partition.id"] = "\(record.partition)"
                span.attributes["messaging.kafka.offset"] = Int(record.offset)
                try await ListenerSpanAttributes.run(span) { try await handle(record, context) }
            }
        case .batch(let handle):
            return .batch { records, context in
                guard let tracer = tracer ?? KafkaTracing.activeTracer else {
                    return try await handle(records, context)
                }
                let topics = Set(records.map(\.topic))
                let name = topics.count == 1 ? "process \(topics.first!)" : "process batch"
                let span = tracer.startSpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .consumer)
                ListenerSpanAttributes.set(on: span, topic: topics.count == 1 ? topics.first : nil, context: context)
                span.attributes["messaging.batch.message_count"] = records.count
                for record in records {
                    var linked = ServiceContext.topLevel
                    tracer.extract(record.headers, into: &linked, using: RecordHeadersExtractor())
                    guard !linked.isEmpty else { continue }
                    span.addLink(
                        SpanLink(
                            context: linked,
                            attributes: [
                                "messaging.destination.partition.id": "\(record.partition)",
                                "messaging.kafka.offset": .int64(record.offset),
                            ]))
                }
                try await ListenerSpanAttributes.run(span) { try await handle(records, context) }
            }
        }
    }
}

/// What record and batch spans share: their common attributes and how the listener runs inside them.
private enum ListenerSpanAttributes {
    static func set(on span: any Span, topic: String?, context: ListenerContext) {
        span.attributes["messaging.system"] = "kafka"
        span.attributes["messaging.operation.type"] = "process"
        if let topic { span.attributes["messaging.destination.name"] = topic }
        if let group = context.endpoint.groupId { span.attributes["messaging.consumer.group.name"] = group }
    }

    /// Runs `body` with the span's context as the current one, records a thrown error, ends the span.
    static func run(_ span: any Span, _ body: () async throws -> Void) async throws {
        do {
            try await ServiceContext.$current.withValue(span.context) { try await body() }
            span.end()
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }
}
