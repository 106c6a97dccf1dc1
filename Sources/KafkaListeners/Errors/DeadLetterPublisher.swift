import KafkaClient

/// Sends records the error handler gave up on to a dead-letter topic (Spring-Kafka's
/// `DeadLetterPublishingRecoverer`).
///
/// The dead letter keeps the original key, value and headers, goes to the same partition number when the
/// dead-letter topic has it (else the producer's partitioner picks one), and gains Spring-Kafka's dead-letter
/// headers in Spring's encoding (see ``DeadLetterHeaders``; read them back with ``DeadLetterInfo``), so a Spring
/// service can read these dead letters and ours can read Spring's. `publish` returns once the broker acknowledged
/// the dead letter; if it throws, the container does not commit past the record.
public struct DeadLetterPublisher: Sendable {
    /// The producer dead letters go through (the caller owns and closes it).
    public let producer: KafkaProducer
    /// The dead-letter topic for a record; by default `<topic>.DLT`.
    public var destination: @Sendable (ConsumerRecord) -> String

    /// Creates a publisher sending through `producer` to `destination(record)` (`<topic>.DLT` by default).
    public init(
        producer: KafkaProducer, destination: @escaping @Sendable (ConsumerRecord) -> String = { "\($0.topic).DLT" }
    ) {
        self.producer = producer
        self.destination = destination
    }

    /// Publishes `record` as a dead letter and waits for the broker's acknowledgement.
    ///
    /// - Parameters:
    ///   - record: the record the error handler gave up on.
    ///   - error: the last error (its type and description go into the headers).
    ///   - attempts: how many attempts failed.
    ///   - consumerGroup: the group that gave up on the record (`kafka_dlt-original-consumer-group`; the containers
    ///     pass their group).
    /// - Throws: `KafkaError` if the dead letter could not be delivered, of kind `.invalidTopicName`
    ///   (before anything is sent) when the destination is not a legal topic name, such as `<topic>.DLT`
    ///   for a topic of more than 245 characters.
    public func publish(
        _ record: ConsumerRecord, error: any Error, attempts: Int, consumerGroup: String? = nil
    ) async throws {
        let letter = try deadLetter(for: record, error: error, attempts: attempts, consumerGroup: consumerGroup)
        try await Self.sendKeepingPartition(letter, through: producer)
    }

    /// The dead letter ``publish(_:error:attempts:consumerGroup:)`` sends for `record`: its key, value and headers
    /// plus the `kafka_dlt-*` headers, to `destination(record)` on the record's partition number.
    ///
    /// - Throws: `KafkaError` of kind `.invalidTopicName` when the destination is not a legal topic name.
    package func deadLetter(
        for record: ConsumerRecord, error: any Error, attempts: Int, consumerGroup: String? = nil
    ) throws -> ProducerRecord {
        let headers =
            record.headers
            + DeadLetterHeaders.headers(for: record, error: error, attempts: attempts, consumerGroup: consumerGroup)
        let topic = destination(record)
        do { try TopicName.validate(topic) } catch let error as KafkaError {
            let hint =
                topic.utf8.count > TopicName.maximumLength
                ? "; the default destination is the record's topic plus '.DLT', so a topic longer than "
                    + "\(TopicName.maximumLength - 4) characters needs a `destination` that gives a shorter name"
                : ""
            throw KafkaError(
                kind: .invalidTopicName,
                message:
                    "no dead letter for \(InputExcerpt.of(record.topic))-\(record.partition)@\(record.offset): \(error.message)\(hint)",
                operation: "publish a dead letter")
        }
        return ProducerRecord(
            topic: topic, partition: record.partition, key: record.key?.array, value: record.value?.array,
            headers: headers,
            timestampMilliseconds: nil)
    }

    /// Sends `letter` to its partition, or lets the partitioner choose when the topic has fewer partitions.
    static func sendKeepingPartition(_ letter: ProducerRecord, through producer: KafkaProducer) async throws {
        do {
            _ = try await producer.send(letter)
        } catch let error as KafkaError where error.code == -190 {
            var anyPartition = letter
            anyPartition.partition = nil
            _ = try await producer.send(anyPartition)
        }
    }
}
