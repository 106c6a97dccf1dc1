import Tracing

/// The producer span of one record: started before the record is enqueued (its context injected into the
/// record's headers), ended when the broker acknowledges it or the send fails.
///
/// Attributes follow OpenTelemetry's messaging conventions: `messaging.system` = `kafka`,
/// `messaging.operation.type` = `send`, `messaging.destination.name` (the topic),
/// `messaging.destination.partition.id` and `messaging.kafka.offset` once delivered.
struct ProducerSpan {
    private let span: any Span

    /// Starts a producer span named `send <topic>` as a child of the task's current context, and injects
    /// its context into `record`'s headers.
    init(for record: inout ProducerRecord, tracer: any Tracer) {
        let span = tracer.startSpan(
            "send \(record.topic)", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        span.attributes["messaging.system"] = "kafka"
        span.attributes["messaging.operation.type"] = "send"
        span.attributes["messaging.destination.name"] = record.topic
        if let partition = record.partition { span.attributes["messaging.destination.partition.id"] = "\(partition)" }
        tracer.inject(span.context, into: &record.headers, using: RecordHeadersInjector())
        self.span = span
    }

    /// Ends the span for a delivered record.
    func delivered(_ metadata: RecordMetadata) {
        span.attributes["messaging.destination.partition.id"] = "\(metadata.partition)"
        span.attributes["messaging.kafka.offset"] = Int(metadata.offset)
        span.end()
    }

    /// Ends the span for a record that was only enqueued (fire and forget).
    func enqueued() {
        span.end()
    }

    /// Ends the span with `error`.
    func failed(_ error: Error) {
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
        span.end()
    }
}
