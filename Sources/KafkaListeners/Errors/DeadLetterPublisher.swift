import KafkaClient

/// Sends records the error handler gave up on to a dead-letter topic (Spring-Kafka's
/// `DeadLetterPublishingRecoverer`).
///
/// The dead letter keeps the original key, value and headers, goes to the same partition number when the
/// dead-letter topic has it (else the producer's partitioner picks one), and gains headers with the
/// original topic, partition, offset and timestamp, the error's type and message and the attempt count
/// (Spring-Kafka's header names, so tools that read them work). `publish` returns once the broker acknowledged
/// the dead letter; if it throws, the container does not commit past the record.
public struct DeadLetterPublisher: Sendable {
    /// The producer dead letters go through (the caller owns and closes it).
    public let producer: KafkaProducer
    /// The dead-letter topic for a record; by default `<topic>.DLT`.
    public var destination: @Sendable (ConsumerRecord) -> String

    /// Header names added to each dead letter.
    public enum Header {
        public static let originalTopic = "kafka_dlt-original-topic"
        public static let originalPartition = "kafka_dlt-original-partition"
        public static let originalOffset = "kafka_dlt-original-offset"
        public static let originalTimestamp = "kafka_dlt-original-timestamp"
        public static let exceptionType = "kafka_dlt-exception-fqcn"
        public static let exceptionMessage = "kafka_dlt-exception-message"
        public static let attempts = "kafka_dlt-attempts"
    }

    /// Creates a publisher sending through `producer` to `destination(record)` (`<topic>.DLT` by default).
    public init(producer: KafkaProducer, destination: @escaping @Sendable (ConsumerRecord) -> String = { "\($0.topic).DLT" }) {
        self.producer = producer
        self.destination = destination
    }

    /// Publishes `record` as a dead letter and waits for the broker's acknowledgement.
    ///
    /// - Throws: `KafkaError` if the dead letter could not be delivered, of kind `.invalidTopicName`
    ///   (before anything is sent) when the destination is not a legal topic name, such as `<topic>.DLT`
    ///   for a topic of more than 245 characters.
    public func publish(_ record: ConsumerRecord, error: any Error, attempts: Int) async throws {
        var headers = record.headers
        func add(_ name: String, _ value: String) { headers.append(RecordHeader(key: name, value: Array(value.utf8))) }
        add(Header.originalTopic, record.topic)
        add(Header.originalPartition, String(record.partition))
        add(Header.originalOffset, String(record.offset))
        add(Header.originalTimestamp, String(record.timestamp.milliseconds))
        add(Header.exceptionType, String(reflecting: type(of: error)))
        add(Header.exceptionMessage, String(describing: error))
        add(Header.attempts, String(attempts))
        let topic = destination(record)
        do { try TopicName.validate(topic) } catch let error as KafkaError {
            let hint =
                topic.utf8.count > TopicName.maximumLength
                ? "; the default destination is the record's topic plus '.DLT', so a topic longer than "
                    + "\(TopicName.maximumLength - 4) characters needs a `destination` that gives a shorter name"
                : ""
            throw KafkaError(
                kind: .invalidTopicName,
                message: "no dead letter for \(InputExcerpt.of(record.topic))-\(record.partition)@\(record.offset): \(error.message)\(hint)",
                operation: "publish a dead letter")
        }
        let letter = ProducerRecord(
            topic: topic, partition: record.partition, key: record.key?.array, value: record.value?.array, headers: headers,
            timestampMilliseconds: nil)
        do {
            _ = try await producer.send(letter)
        } catch let error as KafkaError where error.code == -190 {
            // The dead-letter topic has fewer partitions: let the partitioner choose.
            var anyPartition = letter
            anyPartition.partition = nil
            _ = try await producer.send(anyPartition)
        }
    }
}
