import Crdkafka
import Logging

/// librdkafka's own log lines, forwarded to the client's swift-log `Logger`.
///
/// librdkafka calls its log callback on its internal threads (broker, main and background threads), at
/// any time between `rd_kafka_new` and the end of `rd_kafka_destroy`. Forwarding only reads the handle's
/// name and copies the C strings; it takes no lock of this library and never calls back into
/// librdkafka's state, so it is safe on those threads. The `Logger` it writes to is `Sendable` and its
/// handler must be thread-safe, as swift-log requires of every handler.
///
/// Each line carries metadata `kafka.client` (librdkafka's name for the client, such as
/// `rdkafka#consumer-3`) and `librdkafka.facility` (such as `FAIL`, `REQTMOUT`, `CGRPOP`). Which lines
/// librdkafka emits is set by its `log_level` (syslog 0–7, default 6) and `debug` properties; the
/// logger's own level filters them again.
///
/// Every line passes through ``SecretRedaction/redact(_:secrets:)`` before it reaches the logger: the
/// client's secret values and the value of any secret `key=value` in it show as `[redacted]`.
enum LibrdkafkaLog {
    /// Forwards one log line of handle `rk` to `logger`, with `secrets` and secret assignments redacted.
    static func forward(
        _ rk: OpaquePointer, level: Int32, facility: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?,
        to logger: Logger,
        secrets: [String] = []
    ) {
        let swiftLevel = Self.swiftLevel(syslog: level)
        // Skip the string copies for lines the logger drops anyway (debug lines can be many).
        guard swiftLevel >= logger.logLevel else { return }
        let message = SecretRedaction.redact(text.map { String(cString: $0) } ?? "", secrets: secrets)
        let facilityName = facility.map { String(cString: $0) } ?? ""
        let client = String(cString: rd_kafka_name(rk))
        logger.log(
            level: swiftLevel, "\(message)",
            metadata: ["kafka.client": "\(client)", "librdkafka.facility": "\(facilityName)"])
    }

    /// swift-log's level for a syslog level as librdkafka uses them: 0–2 critical, 3 error, 4 warning,
    /// 5 notice, 6 info, 7 debug.
    static func swiftLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }
}
