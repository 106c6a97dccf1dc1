import Foundation
import KafkaClient
import Logging
import Synchronization

/// Publishes ``ControlCommand``s to the control topic and waits for the instances' ``ControlReply``s.
public final class ControlPlaneClient: Sendable {
    private let configuration: KafkaConfiguration
    private let producer: KafkaProducer
    private let controlTopic: String
    private let replyTopic: String
    private let logger: Logger

    /// Creates a client.
    ///
    /// - Throws: ``KafkaError`` for a bad configuration or topic name.
    public init(
        configuration: KafkaConfiguration, controlTopic: String = "kafka-listeners-control",
        replyTopic: String = "kafka-listeners-control-replies", logger: Logger = Logger(label: "kafka.listeners.control.client")
    ) throws {
        try TopicName.validate(controlTopic)
        try TopicName.validate(replyTopic)
        self.configuration = configuration
        self.controlTopic = controlTopic
        self.replyTopic = replyTopic
        self.logger = logger
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
    }

    /// Publishes `command` and collects replies until `expectedReplies` arrived or `timeout` passed.
    ///
    /// - Returns: the replies received (fewer than expected when the time ran out).
    public func send(_ command: ControlCommand, expectedReplies: Int, timeout: Duration = .seconds(10)) async throws -> [ControlReply] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try await send(raw: Array(try encoder.encode(command)), commandId: command.id, expectedReplies: expectedReplies, timeout: timeout)
    }

    /// Publishes raw bytes as a command (for tools and tests) and collects replies to `commandId`
    /// (`nil`: replies that name no command, as malformed commands get).
    public func send(raw value: [UInt8], commandId: UUID?, expectedReplies: Int, timeout: Duration = .seconds(10)) async throws -> [ControlReply] {
        // Read replies from the current end of the reply topic, so none sent after the command is missed.
        let admin = try KafkaAdmin(configuration: configuration)
        let ends = try await admin.groupLag(group: "control-client-\(UUID().uuidString)", topics: [replyTopic])
        await admin.close()
        let consumer = try KafkaConsumer(configuration: configuration.with("group.id", "control-client-\(UUID().uuidString)"), logger: logger)
        try await consumer.assign(ends.map { TopicPartitionOffset($0.topicPartition, KafkaOffset($0.logEndOffset)) })
        try await producer.send(ProducerRecord(topic: controlTopic, value: value))
        var replies: [ControlReply] = []
        let decoder = JSONDecoder()
        let deadline = ContinuousClock.now + timeout
        while replies.count < expectedReplies && ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(50)) {
                guard let reply = try? decoder.decode(ControlReply.self, from: Data(record.value?.array ?? [])),
                    reply.commandId == commandId
                else { continue }
                replies.append(reply)
            }
        }
        await consumer.close()
        return replies
    }

    /// Closes the client's producer.
    public func close() async {
        await producer.close()
    }
}
