import KafkaClient

/// The headers a dead letter carries, written and read as Spring-Kafka's `DeadLetterPublishingRecoverer` does, so
/// Java and Swift services can share dead-letter topics.
///
/// Spring's encoding: the original topic, timestamp type, consumer group and the exception's class, message and
/// stack trace as UTF-8 text; the original partition as a 4-byte big-endian integer; the original offset and
/// timestamp as 8-byte big-endian integers. ``DeadLetterInfo`` reads that form and the decimal text form some
/// tools (and earlier versions of this package) write.
public enum DeadLetterHeaders {
    /// `kafka_dlt-original-topic` (text).
    public static let originalTopic = "kafka_dlt-original-topic"
    /// `kafka_dlt-original-partition` (4-byte big-endian).
    public static let originalPartition = "kafka_dlt-original-partition"
    /// `kafka_dlt-original-offset` (8-byte big-endian).
    public static let originalOffset = "kafka_dlt-original-offset"
    /// `kafka_dlt-original-timestamp` (8-byte big-endian milliseconds).
    public static let originalTimestamp = "kafka_dlt-original-timestamp"
    /// `kafka_dlt-original-timestamp-type` (`CreateTime`, `LogAppendTime` or `NoTimestampType`).
    public static let originalTimestampType = "kafka_dlt-original-timestamp-type"
    /// `kafka_dlt-original-consumer-group` (text).
    public static let originalConsumerGroup = "kafka_dlt-original-consumer-group"
    /// `kafka_dlt-exception-fqcn`: the error's type (for Swift, its fully qualified type name).
    public static let exceptionType = "kafka_dlt-exception-fqcn"
    /// `kafka_dlt-exception-cause-fqcn`: the type of the error's cause, when it has one.
    public static let exceptionCauseType = "kafka_dlt-exception-cause-fqcn"
    /// `kafka_dlt-exception-message` (text).
    public static let exceptionMessage = "kafka_dlt-exception-message"
    /// `kafka_dlt-exception-stacktrace` (text). Swift errors carry no stack trace: the error's full debug
    /// description is written instead.
    public static let exceptionStacktrace = "kafka_dlt-exception-stacktrace"
    /// `kafka_dlt-attempts` (4-byte big-endian): how many attempts failed; this package's own header.
    public static let attempts = "kafka_dlt-attempts"
    /// `kafka_deliveryAttempt` (4-byte big-endian): Spring's delivery-attempt header on delivered records.
    public static let deliveryAttempt = "kafka_deliveryAttempt"

    /// The headers a dead letter of `record` gains, in Spring's encoding.
    public static func headers(
        for record: ConsumerRecord, error: any Error, attempts: Int, consumerGroup: String?
    ) -> [RecordHeader] {
        var headers: [RecordHeader] = []
        func add(_ name: String, _ bytes: [UInt8]) { headers.append(RecordHeader(key: name, value: bytes)) }
        add(originalTopic, Array(record.topic.utf8))
        add(originalPartition, bigEndian(record.partition))
        add(originalOffset, bigEndian(record.offset))
        add(originalTimestamp, bigEndian(record.timestamp.milliseconds))
        add(originalTimestampType, Array(timestampTypeName(record.timestamp.kind).utf8))
        if let consumerGroup { add(originalConsumerGroup, Array(consumerGroup.utf8)) }
        add(exceptionType, Array(String(reflecting: type(of: error)).utf8))
        if let cause = (error as? BatchListenerFailedError)?.cause {
            add(exceptionCauseType, Array(String(reflecting: type(of: cause)).utf8))
        }
        add(exceptionMessage, Array(String(describing: error).utf8))
        add(exceptionStacktrace, Array(String(reflecting: error).utf8))
        add(Self.attempts, bigEndian(Int32(clamping: attempts)))
        return headers
    }

    /// Spring's name of a timestamp type (Kafka's `TimestampType.toString()`).
    static func timestampTypeName(_ kind: RecordTimestamp.Kind) -> String {
        switch kind {
        case .createTime: "CreateTime"
        case .logAppendTime: "LogAppendTime"
        case .notAvailable: "NoTimestampType"
        }
    }

    /// The big-endian bytes of `value`.
    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

/// What a dead letter's headers say about the original record and its failure, read from Spring's binary form
/// or from decimal text; a header that is missing or unreadable is `nil` (never a trap).
public struct DeadLetterInfo: Sendable, Equatable {
    /// The original record's topic.
    public var originalTopic: String?
    /// The original record's partition.
    public var originalPartition: Int32?
    /// The original record's offset.
    public var originalOffset: Int64?
    /// The original record's timestamp, in milliseconds since the epoch.
    public var originalTimestamp: Int64?
    /// `CreateTime`, `LogAppendTime` or `NoTimestampType`.
    public var originalTimestampType: String?
    /// The consumer group that gave up on the record.
    public var originalConsumerGroup: String?
    /// The error's type (a Java class name or a Swift type name).
    public var exceptionType: String?
    /// The error's message.
    public var exceptionMessage: String?
    /// How many attempts failed (this package's header; Spring does not write one).
    public var attempts: Int32?

    /// Reads the dead-letter headers of `headers` (the last one of each name counts, as Kafka's `lastHeader`).
    public init(headers: [RecordHeader]) {
        func last(_ name: String) -> [UInt8]? { headers.last { $0.key == name }?.value }
        func text(_ name: String) -> String? { last(name).map { String(decoding: $0, as: UTF8.self) } }
        originalTopic = text(DeadLetterHeaders.originalTopic)
        originalPartition = last(DeadLetterHeaders.originalPartition).flatMap { Self.integer($0, as: Int32.self) }
        originalOffset = last(DeadLetterHeaders.originalOffset).flatMap { Self.integer($0, as: Int64.self) }
        originalTimestamp = last(DeadLetterHeaders.originalTimestamp).flatMap { Self.integer($0, as: Int64.self) }
        originalTimestampType = text(DeadLetterHeaders.originalTimestampType)
        originalConsumerGroup = text(DeadLetterHeaders.originalConsumerGroup)
        exceptionType = text(DeadLetterHeaders.exceptionType)
        exceptionMessage = text(DeadLetterHeaders.exceptionMessage)
        attempts = last(DeadLetterHeaders.attempts).flatMap { Self.integer($0, as: Int32.self) }
    }

    /// A header's integer: exactly `T`'s width in big-endian bytes (Spring's form), or else decimal text of at most
    /// 20 characters that fits `T`. Anything else is `nil`.
    static func integer<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type) -> T? {
        if bytes.count == MemoryLayout<T>.size {
            let binary = bytes.reduce(T.zero) { ($0 << 8) | T(truncatingIfNeeded: $1) }
            // Four or eight ASCII digits are ambiguous; Spring never writes text, so binary wins.
            return binary
        }
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return T(text, radix: 10)
    }
}
