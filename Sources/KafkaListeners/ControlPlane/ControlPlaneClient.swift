import Foundation
import KafkaClient
import Logging
import Synchronization

/// Publishes ``ControlCommand``s to the control topic and waits for the instances' ``ControlReply``s.
///
/// Commands are signed with the first key of its ``ControlPlaneSecurity``; a reply counts only when its signature
/// verifies with one of the keys (other messages on the reply topic are ignored, logged at debug level), and only the
/// first reply of each instance counts.
public final class ControlPlaneClient: Sendable {
    private let configuration: KafkaConfiguration
    private let producer: KafkaProducer
    private let controlTopic: String
    private let replyTopic: String
    private let logger: Logger
    private let signer: ControlCommandVerifier

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: how to reach the cluster (bootstrap servers, security).
    ///   - security: the keys (the same as the instances'), or ``ControlPlaneSecurity/insecureNoAuthentication``
    ///     for planes that run without authentication.
    ///   - controlTopic: where commands are published.
    ///   - replyTopic: where the instances' replies are read.
    ///   - logger: receives the client's log lines.
    /// - Throws: `KafkaError` for a bad configuration or topic name; ``ControlPlaneKeyError`` for signed security
    ///   without keys.
    public init(
        configuration: KafkaConfiguration, security: ControlPlaneSecurity,
        controlTopic: String = "kafka-listeners-control",
        replyTopic: String = "kafka-listeners-control-replies",
        logger: Logger = Logger(label: "kafka.listeners.control.client")
    ) throws {
        try TopicName.validate(controlTopic)
        try TopicName.validate(replyTopic)
        self.signer = try ControlCommandVerifier(security: security)
        self.configuration = configuration
        self.controlTopic = controlTopic
        self.replyTopic = replyTopic
        self.logger = logger
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
    }

    /// Signs and publishes `command` and collects replies until `expectedReplies` arrived or `timeout` passed.
    ///
    /// The command is stamped when it was made (``ControlCommand/timestamp``): send it within the instances' freshness
    /// window (60 s by default), and only once — a second send of one command id is rejected as a replay.
    ///
    /// - Returns: the replies received, one per instance at most (fewer than expected when the time ran out).
    public func send(
        _ command: ControlCommand, expectedReplies: Int, timeout: Duration = .seconds(10)
    ) async throws -> [ControlReply] {
        try await send(
            raw: try signer.seal(command), commandId: command.id, expectedReplies: expectedReplies, timeout: timeout)
    }

    /// Publishes bytes as they are (no envelope, no signature: for tools and tests) and collects verified replies to
    /// `commandId`.
    public func send(
        raw value: [UInt8], commandId: UUID?, expectedReplies: Int, timeout: Duration = .seconds(10)
    ) async throws -> [ControlReply] {
        // Read replies from the current end of the reply topic, so none sent after the command is missed.
        let admin = try KafkaAdmin(configuration: configuration)
        let ends = try await admin.groupLag(group: "control-client-\(UUID().uuidString)", topics: [replyTopic])
        await admin.close()
        let consumer = try KafkaConsumer(
            configuration: configuration.with("group.id", "control-client-\(UUID().uuidString)"), logger: logger)
        try await consumer.assign(ends.map { TopicPartitionOffset($0.topicPartition, KafkaOffset($0.logEndOffset)) })
        try await producer.send(ProducerRecord(topic: controlTopic, value: value))
        var replies: [ControlReply] = []
        let deadline = ContinuousClock.now + timeout
        while replies.count < expectedReplies && ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(50)) {
                guard let reply = verifiedReply(record), reply.commandId == commandId,
                    !replies.contains(where: { $0.instanceId == reply.instanceId })
                else { continue }
                replies.append(reply)
            }
        }
        await consumer.close()
        return replies
    }

    /// The reply in `record` if its envelope verifies and it decodes; nil (logged at debug level) otherwise.
    private func verifiedReply(_ record: ConsumerRecord) -> ControlReply? {
        do {
            let payload = try ControlEnvelope.open(
                record.value?.array ?? [], purpose: .reply, security: signer.security)
            return try JSONDecoder().decode(ControlReply.self, from: Data(payload))
        } catch let rejection as ControlMessageRejection {
            logger.debug("ignoring a reply at \(record.topicPartition)@\(record.offset): \(rejection)")
        } catch {
            logger.debug(
                "ignoring a reply at \(record.topicPartition)@\(record.offset): its payload is not a control reply")
        }
        return nil
    }

    /// Closes the client's producer.
    public func close() async {
        await producer.close()
    }
}
