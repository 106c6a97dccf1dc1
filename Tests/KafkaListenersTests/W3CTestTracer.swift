import Synchronization
import Tracing

/// A small tracer for tests that propagates W3C trace context (`traceparent: 00-<trace id>-<span id>-01`),
/// as an OpenTelemetry tracer does, and keeps every finished span in memory.
final class W3CTestTracer: Tracer, Sendable {
    /// A finished span as the test sees it.
    struct Finished: Sendable {
        var name: String
        var kind: SpanKind
        var traceID: String
        var spanID: String
        var parentSpanID: String?
    }

    /// The trace and span id a context carries.
    struct SpanIDs: Sendable, Hashable {
        var traceID: String
        var spanID: String
    }

    private enum IDsKey: ServiceContextKey {
        typealias Value = SpanIDs
    }

    /// The finished spans, shared with the spans' end callbacks.
    private final class Store: Sendable {
        let spans = Mutex<[Finished]>([])
    }

    private let store = Store()

    /// Every span ended so far, in the order they ended.
    var finished: [Finished] { store.spans.withLock { $0 } }

    static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> TestSpan {
        var context = context()
        let parent = context[IDsKey.self]
        let ids = SpanIDs(traceID: parent?.traceID ?? Self.randomHex(bytes: 16), spanID: Self.randomHex(bytes: 8))
        context[IDsKey.self] = ids
        return TestSpan(name: operationName, kind: kind, context: context, ids: ids, parentSpanID: parent?.spanID) {
            [store] span in
            store.spans.withLock { $0.append(span) }
        }
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    )
    where Inject.Carrier == Carrier {
        guard let ids = context[IDsKey.self] else { return }
        injector.inject("00-\(ids.traceID)-\(ids.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    )
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16 else { return }
        context[IDsKey.self] = SpanIDs(traceID: String(parts[1]), spanID: String(parts[2]))
    }

    /// A span of ``W3CTestTracer``.
    final class TestSpan: Tracing.Span, Sendable {
        let context: ServiceContext
        let ids: SpanIDs
        let parentSpanID: String?
        let kind: SpanKind
        private let state: Mutex<(name: String, attributes: SpanAttributes, ended: Bool)>
        private let onEnd: @Sendable (Finished) -> Void

        init(
            name: String, kind: SpanKind, context: ServiceContext, ids: SpanIDs, parentSpanID: String?,
            onEnd: @escaping @Sendable (Finished) -> Void
        ) {
            self.context = context
            self.ids = ids
            self.parentSpanID = parentSpanID
            self.kind = kind
            self.state = Mutex((name, [:], false))
            self.onEnd = onEnd
        }

        var operationName: String {
            get { state.withLock { $0.name } }
            set { state.withLock { $0.name = newValue } }
        }

        var attributes: SpanAttributes {
            get { state.withLock { $0.attributes } }
            set { state.withLock { $0.attributes = newValue } }
        }

        var isRecording: Bool { state.withLock { !$0.ended } }

        func setStatus(_ status: SpanStatus) {}
        func addEvent(_ event: SpanEvent) {}
        func recordError<Instant: TracerInstant>(
            _ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
        ) {}
        func addLink(_ link: SpanLink) {}

        func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
            let name = state.withLock { state -> String? in
                guard !state.ended else { return nil }
                state.ended = true
                return state.name
            }
            guard let name else { return }
            onEnd(
                Finished(name: name, kind: kind, traceID: ids.traceID, spanID: ids.spanID, parentSpanID: parentSpanID))
        }
    }
}
