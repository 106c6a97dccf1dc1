import Tracing

/// Writes trace context into record headers, for a tracer's `inject` (W3C `traceparent` and
/// `tracestate` with an OpenTelemetry tracer; the header names are the tracer's choice).
///
/// A header the tracer writes replaces any earlier header of the same name, so a re-sent record carries
/// one context, not two.
public struct RecordHeadersInjector: Injector {
    /// Creates an injector.
    public init() {}

    /// Sets header `key` to `value`.
    public func inject(_ value: String, forKey key: String, into carrier: inout [RecordHeader]) {
        carrier.removeAll { $0.key == key }
        carrier.append(RecordHeader(key: key, string: value))
    }
}

/// Reads trace context from record headers, for a tracer's `extract`.
///
/// Kafka allows repeated header names; the last one wins, as Kafka's own clients read headers.
public struct RecordHeadersExtractor: Extractor {
    /// Creates an extractor.
    public init() {}

    /// The value of the last header named `key`, as UTF-8.
    public func extract(key: String, from carrier: [RecordHeader]) -> String? {
        carrier.lastString(for: key)
    }
}

/// Finds the tracer to use, cheaply, so that without one nothing else is done.
public enum KafkaTracing {
    /// The tracer in effect (bound with `withTracer` or bootstrapped with `InstrumentationSystem`), or
    /// nil when it is swift-distributed-tracing's no-op tracer.
    public static var activeTracer: (any Tracer)? {
        let tracer = InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : tracer
    }
}
