import KafkaClient

/// The headers of request/reply, named and encoded as Spring-Kafka names and encodes them (`KafkaHeaders`), so a
/// Spring requester can call a listener declared here and a ``ReplyingProducer`` can call a Spring `@SendTo`
/// listener.
public enum ReplyHeaders {
    /// Where the reply goes: the topic name in UTF-8 (`kafka_replyTopic`).
    public static let replyTopic = "kafka_replyTopic"
    /// The partition the reply goes to: a 4-byte big-endian integer (`kafka_replyPartition`).
    public static let replyPartition = "kafka_replyPartition"
    /// Bytes that pair a reply with its request; the reply carries the request's (`kafka_correlationId`).
    public static let correlationId = "kafka_correlationId"
    /// The longest correlation id accepted, in bytes; Spring's are 16.
    public static let maximumCorrelationIdLength = 256

    /// The 4-byte big-endian encoding of a reply partition.
    public static func encodePartition(_ partition: Int32) -> [UInt8] {
        DeadLetterHeaders.bigEndian(partition)
    }
}

/// Where a request asks its reply to go, read from its ``ReplyHeaders`` (the last header of a name wins).
public struct ReplyAddress: Sendable, Hashable {
    /// The `kafka_replyTopic` header: a valid topic name, or `nil` when the request has none.
    public var topic: String?
    /// The `kafka_replyPartition` header: a partition number of 0 or more, or `nil` when the request has none.
    public var partition: Int32?
    /// The `kafka_correlationId` header, copied to the reply, or `nil` when the request has none.
    public var correlationId: [UInt8]?

    /// Creates an address.
    public init(topic: String? = nil, partition: Int32? = nil, correlationId: [UInt8]? = nil) {
        self.topic = topic
        self.partition = partition
        self.correlationId = correlationId
    }

    /// Reads the reply headers of a request.
    ///
    /// - Throws: ``ReplyHeaderError`` for a reply topic that is not UTF-8 or not a legal topic name, a reply
    ///   partition that is not exactly 4 bytes or is negative, or a correlation id longer than
    ///   ``ReplyHeaders/maximumCorrelationIdLength``.
    public init(parsing headers: [RecordHeader]) throws(ReplyHeaderError) {
        var topicBytes: [UInt8]?? = .none
        var partitionBytes: [UInt8]?? = .none
        var correlation: [UInt8]?? = .none
        for header in headers {
            switch header.key {
            case ReplyHeaders.replyTopic: topicBytes = .some(header.value)
            case ReplyHeaders.replyPartition: partitionBytes = .some(header.value)
            case ReplyHeaders.correlationId: correlation = .some(header.value)
            default: break
            }
        }
        if case .some(let bytes) = topicBytes { self.topic = try Self.topic(bytes) }
        if case .some(let bytes) = partitionBytes { self.partition = try Self.partition(bytes) }
        if case .some(let bytes) = correlation {
            let bytes = bytes ?? []
            guard bytes.count <= ReplyHeaders.maximumCorrelationIdLength else {
                throw ReplyHeaderError.correlationIdTooLong(length: bytes.count)
            }
            self.correlationId = bytes
        }
    }

    private static func topic(_ bytes: [UInt8]?) throws(ReplyHeaderError) -> String {
        guard let bytes, let name = String(validating: bytes, as: UTF8.self) else {
            throw ReplyHeaderError.invalidReplyTopic(
                excerpt: bytes.map { InputExcerpt.of(String(decoding: $0, as: UTF8.self)) } ?? "null",
                reason: "not UTF-8 text")
        }
        do { try TopicName.validate(name) } catch {
            throw ReplyHeaderError.invalidReplyTopic(
                excerpt: InputExcerpt.of(name), reason: (error as? KafkaError)?.message ?? "\(error)")
        }
        return name
    }

    private static func partition(_ bytes: [UInt8]?) throws(ReplyHeaderError) -> Int32 {
        guard let bytes, bytes.count == 4 else {
            throw ReplyHeaderError.invalidReplyPartition(length: bytes?.count ?? 0, value: nil)
        }
        let value = bytes.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        let partition = Int32(bitPattern: value)
        guard partition >= 0 else { throw ReplyHeaderError.invalidReplyPartition(length: 4, value: partition) }
        return partition
    }
}

/// A request whose reply headers cannot be honoured; the listener is not called, and the error handler takes
/// the record at once (retrying cannot fix a header).
public enum ReplyHeaderError: Error, Sendable, Hashable, CustomStringConvertible, NotRetryableError {
    /// `kafka_replyTopic` is not UTF-8 or not a legal topic name (`excerpt`: the name, cut and sanitized).
    case invalidReplyTopic(excerpt: String, reason: String)
    /// `kafka_replyPartition` is not a 4-byte big-endian integer (`value` is `nil`), or is negative.
    case invalidReplyPartition(length: Int, value: Int32?)
    /// `kafka_correlationId` is longer than ``ReplyHeaders/maximumCorrelationIdLength``.
    case correlationIdTooLong(length: Int)
    /// The request names no reply topic and the listener has no default one.
    case noReplyTopic

    public var description: String {
        switch self {
        case .invalidReplyTopic(let excerpt, let reason):
            "the request's \(ReplyHeaders.replyTopic) header '\(excerpt)' is not a usable topic name: \(reason)"
        case .invalidReplyPartition(let length, nil):
            "the request's \(ReplyHeaders.replyPartition) header has \(length) bytes, not a 4-byte big-endian integer"
        case .invalidReplyPartition(_, let value?):
            "the request's \(ReplyHeaders.replyPartition) header is \(value), not a partition number"
        case .correlationIdTooLong(let length):
            "the request's \(ReplyHeaders.correlationId) header has \(length) bytes, more than the "
                + "\(ReplyHeaders.maximumCorrelationIdLength) accepted"
        case .noReplyTopic:
            "the request has no \(ReplyHeaders.replyTopic) header and the listener declares no default reply topic"
        }
    }
}
