import Crdkafka

extension AdminCore {
    /// Sends one librdkafka Admin API request and waits for its result event; runs on the admin thread
    /// and blocks it for at most the deadline's remaining time (a bounded `rd_kafka_queue_poll`).
    ///
    /// The request gets the remaining time as its request timeout and, when `setsOperationTimeout`
    /// (CreateTopics, DeleteTopics), three quarters of it as the broker-side operation timeout. A
    /// top-level error in the result (including librdkafka's own time-out) becomes a ``KafkaError`` via
    /// ``AdminFailure/from(_:text:request:operation:timeout:)``; `read` sees only successful results.
    ///
    /// Frees exactly once: the options, the result queue and the result event. When the wait times out,
    /// the request stays in flight inside librdkafka, which holds its own reference to the queue; its
    /// late result is dropped there when it arrives (the queue was destroyed here) or when the handle
    /// is destroyed.
    ///
    /// - Parameters:
    ///   - request: the Kafka request's name for messages, such as `"CreateTopics"`.
    ///   - resultType: the `RD_KAFKA_EVENT_*_RESULT` type that answers the request.
    ///   - send: starts the request with the options and result queue it is given.
    ///   - read: reads the result event (owned and destroyed by this function).
    func adminRequest<T>(
        _ api: rd_kafka_admin_op_t, request: String, operation: String, deadline: AdminDeadline,
        setsOperationTimeout: Bool, resultType: Int32,
        send: (_ options: OpaquePointer, _ queue: OpaquePointer) -> Void,
        read: (_ event: OpaquePointer) throws -> T
    ) throws -> T {
        guard !closed else { throw KafkaError.closed(operation: operation) }
        guard let options = rd_kafka_AdminOptions_new(rk, api) else {
            throw KafkaError(
                kind: .invalidArgument, message: "librdkafka refused admin options for \(request)", operation: operation
            )
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        let requestTimeout = deadline.remainingMilliseconds
        var errorText = [CChar](repeating: 0, count: 512)
        var err = rd_kafka_AdminOptions_set_request_timeout(options, requestTimeout, &errorText, errorText.count)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR && setsOperationTimeout {
            err = rd_kafka_AdminOptions_set_operation_timeout(
                options, max(1, requestTimeout / 4 * 3), &errorText, errorText.count)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.rdkafka(err, operation: operation, message: Self.text(errorText))
        }
        guard let queue = rd_kafka_queue_new(rk) else {
            throw KafkaError(kind: .broker, message: "rd_kafka_queue_new returned NULL", operation: operation)
        }
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        while true {
            guard let event = rd_kafka_queue_poll(queue, deadline.remainingMilliseconds) else {
                throw AdminFailure.unanswered(request, operation: operation, after: deadline.timeout)
            }
            defer { rd_kafka_event_destroy(event) }
            guard rd_kafka_event_type(event) == resultType else {
                logger.debug("admin \(request): ignoring event \(String(cString: rd_kafka_event_name(event)))")
                if deadline.isExpired {
                    throw AdminFailure.unanswered(request, operation: operation, after: deadline.timeout)
                }
                continue
            }
            let resultError = rd_kafka_event_error(event)
            if resultError != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) }
                throw AdminFailure.from(
                    resultError, text: text, request: request, operation: operation, timeout: deadline.timeout)
            }
            return try read(event)
        }
    }

    /// Throws for the failed entries of a CreateTopics or DeleteTopics result (an array owned by the
    /// result event): the one failure, or the first with every failure listed in its message.
    static func checkTopicResults(
        _ results: UnsafeMutablePointer<OpaquePointer?>?, count: Int, request: String, operation: String,
        timeout: Duration
    ) throws {
        guard let results else { return }
        var failures: [(topic: String, error: KafkaError)] = []
        for index in 0..<count {
            guard let result = results[index] else { continue }
            let err = rd_kafka_topic_result_error(result)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let topic = String(cString: rd_kafka_topic_result_name(result))
            let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) }
            failures.append(
                (
                    topic,
                    AdminFailure.from(
                        err, text: text, request: request, operation: "\(operation) ('\(topic)')", timeout: timeout)
                ))
        }
        guard let first = failures.first else { return }
        if failures.count == 1 { throw first.error }
        let all = failures.map { "'\($0.topic)': \($0.error.codeName ?? "") \($0.error.message)" }.joined(
            separator: "; ")
        throw KafkaError(
            kind: first.error.kind, code: first.error.code, codeName: first.error.codeName,
            message: "\(failures.count) of \(count) topics failed: \(all)", operation: operation,
            isRetriable: first.error.isRetriable)
    }

    /// A NUL-terminated error buffer as a string.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
