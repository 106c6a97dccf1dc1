import KafkaClient

/// The headers a record in a retry topic carries, named and encoded as Spring-Kafka's retry topics do, so Java and
/// Swift services can share retry topics: `retry_topic-attempts` (the attempt the record is up for, 4-byte
/// big-endian), `retry_topic-backoff-timestamp` (when it is due, epoch milliseconds) and
/// `retry_topic-original-timestamp` (the original record's timestamp), both as Java's `BigInteger.toByteArray()`
/// writes them: minimal two's-complement big-endian. The `kafka_dlt-original-*` headers of the first failure ride
/// along, as in Spring.
public enum RetryTopicHeaders {
    /// `retry_topic-attempts`.
    public static let attempts = "retry_topic-attempts"
    /// `retry_topic-backoff-timestamp`.
    public static let backOffTimestamp = "retry_topic-backoff-timestamp"
    /// `retry_topic-original-timestamp`.
    public static let originalTimestamp = "retry_topic-original-timestamp"

    /// The attempt number `record` is up for (1 on the main topic, where the header is missing).
    public static func attempt(of record: ConsumerRecord) -> Int {
        guard let bytes = last(attempts, in: record.headers), let value = integer(bytes), value >= 1 else { return 1 }
        return Int(clamping: value)
    }

    /// When `record` is due, in epoch milliseconds (`nil`: at once).
    public static func dueMilliseconds(of record: ConsumerRecord) -> Int64? {
        last(backOffTimestamp, in: record.headers).flatMap(integer)
    }

    /// The original record's timestamp: the header where a retry topic carries it, else the record's own.
    public static func originalMilliseconds(of record: ConsumerRecord) -> Int64 {
        last(originalTimestamp, in: record.headers).flatMap(integer) ?? record.timestamp.milliseconds
    }

    /// A big-endian two's-complement integer of 1 to 8 bytes (Java's `BigInteger` and `ByteBuffer` forms);
    /// `nil` for anything else.
    static func integer(_ bytes: [UInt8]) -> Int64? {
        guard let first = bytes.first, bytes.count <= 8 else { return nil }
        var value: Int64 = first >= 0x80 ? -1 : 0
        for byte in bytes { value = (value << 8) | Int64(byte) }
        return value
    }

    /// `value` as Java's `BigInteger.toByteArray()` writes it: the fewest bytes that keep the sign.
    static func minimalBytes(_ value: Int64) -> [UInt8] {
        var bytes = withUnsafeBytes(of: value.bigEndian) { Array($0) }
        while bytes.count > 1 {
            let redundantZero = bytes[0] == 0x00 && bytes[1] < 0x80
            let redundantOnes = bytes[0] == 0xFF && bytes[1] >= 0x80
            guard redundantZero || redundantOnes else { break }
            bytes.removeFirst()
        }
        return bytes
    }

    private static func last(_ name: String, in headers: [RecordHeader]) -> [UInt8]? {
        headers.last { $0.key == name }?.value
    }
}
