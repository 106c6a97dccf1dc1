import Crdkafka

/// The one error type of `KafkaClient`: what went wrong, librdkafka's code for it, and what the
/// library was doing at the time.
///
/// `code`, `codeName` and the retriable/fatal flags come from librdkafka when it produced the error;
/// errors raised by the Swift layer itself (bad configuration, a bad topic name, a closed handle)
/// carry `code == nil`. Match on ``kind`` to react; show ``description`` to people.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What class of failure this is.
    public enum Kind: Sendable, Equatable {
        /// A configuration key was unknown or its value invalid.
        case configuration
        /// A topic name broke Kafka's naming rules.
        case invalidTopicName
        /// An argument was out of range or otherwise unusable (for example a negative partition count).
        case invalidArgument
        /// The broker or librdkafka reported an error.
        case broker
        /// The operation did not finish in its time limit (including requests a broker never answers).
        case timedOut
        /// The broker does not implement the request.
        case unsupported
        /// The client was already closed.
        case closed
    }

    /// What class of failure this is.
    public let kind: Kind
    /// librdkafka's `rd_kafka_resp_err_t` value, when librdkafka produced the error.
    public let code: Int32?
    /// librdkafka's name for ``code`` (for example `_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART`).
    public let codeName: String?
    /// A human-readable explanation.
    public let message: String
    /// What the library was doing, such as `"commit offsets"` or `"set configuration key 'fetch.min.bytes'"`.
    public let operation: String
    /// Whether retrying the same operation may succeed.
    public let isRetriable: Bool
    /// Whether the client handle is no longer usable.
    public let isFatal: Bool
    /// Whether the transaction in progress can no longer commit and must be aborted (librdkafka's
    /// `rd_kafka_error_txn_requires_abort`); the producer stays usable for the next transaction.
    public let requiresTransactionAbort: Bool

    /// Whether another producer with the same `transactional.id` took over (`PRODUCER_FENCED`,
    /// `INVALID_PRODUCER_EPOCH`, or librdkafka's `_FENCED`): this producer can do nothing more.
    public var isFenced: Bool {
        guard let code else { return false }
        return code == RD_KAFKA_RESP_ERR__FENCED.rawValue || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED.rawValue
            || code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue
    }

    /// Creates an error; the library's own code uses the factory functions below.
    public init(
        kind: Kind, code: Int32? = nil, codeName: String? = nil, message: String, operation: String,
        isRetriable: Bool = false, isFatal: Bool = false, requiresTransactionAbort: Bool = false
    ) {
        self.kind = kind
        self.code = code
        self.codeName = codeName
        self.message = message
        self.operation = operation
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresTransactionAbort = requiresTransactionAbort
    }

    public var description: String {
        var text = "KafkaError(\(kind)) while trying to \(operation): \(message)"
        if let codeName { text += " [\(codeName)]" }
        if isFatal {
            text += " (fatal)"
        } else if requiresTransactionAbort {
            text += " (the transaction must be aborted)"
        } else if isRetriable {
            text += " (retriable)"
        }
        return text
    }

    /// An error for a librdkafka response code.
    static func rdkafka(_ err: rd_kafka_resp_err_t, operation: String, message: String? = nil) -> KafkaError {
        let name = String(cString: rd_kafka_err2name(err))
        let text = message ?? String(cString: rd_kafka_err2str(err))
        return KafkaError(
            kind: kind(for: err), code: err.rawValue, codeName: name, message: text, operation: operation,
            isRetriable: isRetriableCode(err), isFatal: err == RD_KAFKA_RESP_ERR__FATAL)
    }

    /// An error from an `rd_kafka_error_t` (which it destroys).
    static func consuming(_ error: OpaquePointer, operation: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let err = rd_kafka_error_code(error)
        return KafkaError(
            kind: kind(for: err), code: err.rawValue, codeName: String(cString: rd_kafka_error_name(error)),
            message: String(cString: rd_kafka_error_string(error)), operation: operation,
            isRetriable: rd_kafka_error_is_retriable(error) != 0, isFatal: rd_kafka_error_is_fatal(error) != 0,
            requiresTransactionAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    /// An error for a closed client.
    static func closed(operation: String) -> KafkaError {
        KafkaError(kind: .closed, message: "the client is closed", operation: operation)
    }

    /// An error for a request that was not answered in time.
    static func timedOut(operation: String, after timeout: Duration, hint: String? = nil) -> KafkaError {
        var text = "no answer after \(timeout.formattedSeconds)"
        if let hint { text += "; \(hint)" }
        return KafkaError(
            kind: .timedOut, code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, codeName: "_TIMED_OUT", message: text,
            operation: operation, isRetriable: true)
    }

    private static func kind(for err: rd_kafka_resp_err_t) -> Kind {
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return .timedOut
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION,
            RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
            return .unsupported
        case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
            return .invalidTopicName
        case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
            RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
            return .invalidArgument
        case RD_KAFKA_RESP_ERR__DESTROY:
            return .closed
        default:
            return .broker
        }
    }

    private static func isRetriableCode(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
            RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
            return true
        default:
            return false
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, clamped to `Int32` as librdkafka's timeouts want.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds > 0 ? .max : .min }
        return Int32(clamping: Saturating.add(ms, attoseconds / 1_000_000_000_000_000))
    }

    /// The duration as seconds for messages, such as `2.5 s`.
    var formattedSeconds: String {
        let ms = Double(milliseconds)
        return ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(ms / 1000)) s" : "\(ms / 1000) s"
    }
}
