import Crdkafka
import Logging
import Synchronization

/// A Kafka producer: `send` awaits the broker's acknowledgement, `sendAndForget` only enqueues.
///
/// With a tracer in effect (swift-distributed-tracing: bootstrapped, or bound with `withTracer`), each
/// record gets a producer span, child of the caller's current context, whose context is injected into the
/// record's headers (W3C `traceparent` with an OpenTelemetry tracer). Without one, no span is made and the
/// headers are untouched.
///
/// Enqueueing never blocks a thread: when librdkafka's local queue is full (`queue.buffering.max.*`),
/// both calls wait asynchronously and try again instead of failing. Delivery reports are served on a
/// thread the producer owns. ``close(timeout:)`` delivers what is queued before it frees the handle.
public final class KafkaProducer: Sendable {
    let core: ProducerCore
    let thread: KafkaThread
    private let closeRequested = Atomic<Bool>(false)
    private let interceptors: [any ProducerInterceptor]
    /// librdkafka's name for the client.
    public let name: String

    /// Creates a producer.
    ///
    /// - Parameters:
    ///   - configuration: settings; `bootstrap.servers` is required for anything to be delivered.
    ///   - logger: receives librdkafka's log lines.
    ///   - onDeliveryFailure: told about each fire-and-forget record that could not be delivered.
    ///   - interceptors: see and may change each record before it is sent, and see each outcome, in order.
    /// - Throws: ``KafkaError`` of kind `.configuration` for an unknown key or invalid value.
    public init(
        configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.producer"),
        onDeliveryFailure: (@Sendable (ProducerRecordFailure) -> Void)? = nil,
        interceptors: [any ProducerInterceptor] = []
    ) throws {
        let handle = try NativeHandle(type: RD_KAFKA_PRODUCER, configuration: configuration, logger: logger)
        let failureHandler: (@Sendable (ProducerRecordFailure) -> Void)?
        if interceptors.isEmpty {
            failureHandler = onDeliveryFailure
        } else {
            failureHandler = { failure in
                for interceptor in interceptors { interceptor.onDeliveryFailure(failure) }
                onDeliveryFailure?(failure)
            }
        }
        self.interceptors = interceptors
        let core = ProducerCore(handle: handle, logger: logger, onDeliveryFailure: failureHandler)
        self.core = core
        self.name = handle.name
        self.thread = KafkaThread(name: "kprod-\(handle.number)") { core.serve(timeout: .milliseconds(50)) }
    }

    /// Sends `record` and returns where it was written once the broker acknowledged it.
    ///
    /// - Throws: the delivery error (for example `UNKNOWN_TOPIC_OR_PART`, `_MSG_TIMED_OUT`),
    ///   `.invalidTopicName`, or `.closed`.
    @discardableResult
    public func send(_ record: ProducerRecord) async throws -> RecordMetadata {
        guard !interceptors.isEmpty else { return try await traceAndSend(record) }
        var record = record
        for interceptor in interceptors { record = interceptor.onSend(record) }
        do {
            let metadata = try await traceAndSend(record)
            for interceptor in interceptors { interceptor.onAcknowledgement(record, result: .success(metadata)) }
            return metadata
        } catch {
            let failure =
                error as? KafkaError
                ?? KafkaError(kind: .broker, message: "\(error)", operation: "send to '\(record.topic)'")
            for interceptor in interceptors { interceptor.onAcknowledgement(record, result: .failure(failure)) }
            throw error
        }
    }

    private func traceAndSend(_ record: ProducerRecord) async throws -> RecordMetadata {
        try TopicName.validate(record.topic)
        guard let tracer = KafkaTracing.activeTracer else { return try await deliver(record) }
        var record = record
        let span = ProducerSpan(for: &record, tracer: tracer)
        do {
            let metadata = try await deliver(record)
            span.delivered(metadata)
            return metadata
        } catch {
            span.failed(error)
            throw error
        }
    }

    /// Enqueues `record` and waits for its delivery report.
    private func deliver(_ record: ProducerRecord) async throws -> RecordMetadata {
        while true {
            let waiter = DeliveryWaiter()
            let opaque = Unmanaged.passRetained(waiter).toOpaque()
            let err: rd_kafka_resp_err_t
            do {
                err = try core.produce(record, opaque: opaque)
            } catch {
                Unmanaged<DeliveryWaiter>.fromOpaque(opaque).release()
                throw error
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return try await waiter.wait() }
            Unmanaged<DeliveryWaiter>.fromOpaque(opaque).release()
            try await backOffOrThrow(err, topic: record.topic)
        }
    }

    /// Enqueues `record` without waiting for its delivery; failures go to `onDeliveryFailure` and the log.
    ///
    /// Returns once librdkafka has the record (waiting only while its queue is full).
    public func sendAndForget(_ record: ProducerRecord) async throws {
        var record = record
        for interceptor in interceptors { record = interceptor.onSend(record) }
        try TopicName.validate(record.topic)
        guard let tracer = KafkaTracing.activeTracer else { return try await enqueue(record) }
        let span = ProducerSpan(for: &record, tracer: tracer)
        do {
            try await enqueue(record)
            span.enqueued()
        } catch {
            span.failed(error)
            throw error
        }
    }

    /// Enqueues `record` without a delivery waiter.
    private func enqueue(_ record: ProducerRecord) async throws {
        while true {
            let err = try core.produce(record, opaque: nil)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            try await backOffOrThrow(err, topic: record.topic)
        }
    }

    private func backOffOrThrow(_ err: rd_kafka_resp_err_t, topic: String) async throws {
        guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
            throw KafkaError.rdkafka(err, operation: "send to '\(topic)'")
        }
        try await Task.sleep(for: .milliseconds(2))
    }

    /// Waits until every queued record is delivered or failed.
    ///
    /// - Throws: `.timedOut` if records are still queued after `timeout`.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let core = self.core
        let remaining = try await thread.run("flush producer") { core.flush(timeout: timeout) }
        if remaining > 0 {
            throw KafkaError.timedOut(
                operation: "flush producer", after: timeout, hint: "\(remaining) records still queued")
        }
    }

    /// Delivers what is queued (waiting up to `timeout`), fails the rest, and frees the producer.
    public func close(timeout: Duration = .seconds(30)) async {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        _ = try? await thread.run("close producer") { core.close(timeout: timeout) }
        thread.stop()
    }

    deinit {
        guard !closeRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let core = self.core
        thread.submit { core.close(timeout: .seconds(5)) }
        thread.stop()
    }
}
