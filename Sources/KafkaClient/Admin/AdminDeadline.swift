import Crdkafka

/// One admin call's time budget, shared by every librdkafka request the call makes, so the call as a
/// whole fails within its timeout.
struct AdminDeadline {
    /// The caller's timeout, for messages.
    let timeout: Duration
    private let end: ContinuousClock.Instant

    init(_ timeout: Duration) {
        self.timeout = timeout
        self.end = ContinuousClock.now + timeout
    }

    /// The time left, never negative.
    var remaining: Duration { max(.zero, end - ContinuousClock.now) }

    /// The time left in milliseconds for a librdkafka call, at least 1 (0 would mean "do not wait").
    var remainingMilliseconds: Int32 { max(1, remaining.milliseconds) }

    /// Whether the budget is used up.
    var isExpired: Bool { ContinuousClock.now >= end }
}

/// The errors an admin call raises when a broker does not answer, or answers that it cannot.
enum AdminFailure {
    /// The phrase every unanswered or unsupported admin request carries in its message.
    static func phrase(_ request: String, _ timeout: Duration) -> String {
        "\(request) is not supported by this broker or timed out after \(timeout.formattedSeconds)"
    }

    /// `request` got no answer within `timeout`.
    static func unanswered(_ request: String, operation: String, after timeout: Duration) -> KafkaError {
        .timedOut(operation: operation, after: timeout, hint: phrase(request, timeout))
    }

    /// The error for librdkafka's `err` (with its optional `text`) from `request`: `.timedOut` or
    /// `.unsupported` with the common phrase when the broker did not or could not answer, otherwise the
    /// plain librdkafka error.
    static func from(
        _ err: rd_kafka_resp_err_t, text: String?, request: String, operation: String, timeout: Duration
    ) -> KafkaError {
        let detail = text ?? String(cString: rd_kafka_err2str(err))
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return .timedOut(operation: operation, after: timeout, hint: "\(phrase(request, timeout)) (\(detail))")
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION,
            RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
            return KafkaError(
                kind: .unsupported, code: err.rawValue, codeName: String(cString: rd_kafka_err2name(err)),
                message: "\(phrase(request, timeout)) (\(detail))", operation: operation)
        default:
            return .rdkafka(err, operation: operation, message: detail)
        }
    }

    /// Re-labels a `.timedOut` error from a shared helper (such as ``ConsumerSession/committed(_:timeout:)``)
    /// with the common phrase; other errors pass through.
    static func relabel(_ error: Error, request: String, operation: String, timeout: Duration) -> Error {
        guard let kafkaError = error as? KafkaError, kafkaError.kind == .timedOut else { return error }
        return unanswered(request, operation: operation, after: timeout)
    }
}
