import KafkaClient
import Logging

/// The reply consumer of a ``ReplyingProducer``: assigned to the reply topic from its end, handing each reply to
/// the pending request with its correlation id.
enum ReplyConsumer {
    /// A consumer assigned to `topic` (every partition, or `partition`) at the current end offsets.
    static func assigned(
        configuration: KafkaConfiguration, topic: String, partition: Int32?, logger: Logger
    ) async throws -> KafkaConsumer {
        var settings = configuration.with("enable.auto.commit", "false").with("enable.auto.offset.store", "false")
        if settings["group.id"] == nil { settings = settings.with("group.id", "replies-\(topic)") }
        let group = settings["group.id"] ?? "replies"
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        let offsets: [TopicPartitionOffset]
        do {
            offsets = try await admin.plannedOffsetReset(group: group, topic: topic, partition: partition, to: .latest)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        let consumer = try KafkaConsumer(configuration: settings, logger: logger)
        do {
            try await consumer.assign(offsets)
        } catch {
            await consumer.close()
            throw error
        }
        return consumer
    }

    /// Polls `consumer` until the task is cancelled, finishing the pending request of each reply.
    static func run(_ consumer: KafkaConsumer, pending: PendingReplies, logger: Logger) async {
        while !Task.isCancelled {
            let replies: [ConsumerRecord]
            do {
                replies = try await consumer.poll(maxRecords: 500, timeout: .milliseconds(100))
            } catch {
                if Task.isCancelled { return }
                logger.warning("the reply consumer could not poll: \(error)")
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            for reply in replies { deliver(reply, pending: pending, logger: logger) }
        }
    }

    static func deliver(_ reply: ConsumerRecord, pending: PendingReplies, logger: Logger) {
        guard let id = reply.headers.lastValue(for: ReplyHeaders.correlationId) else {
            pending.countDropped()
            logger.debug(
                "reply dropped: it has no \(ReplyHeaders.correlationId) header",
                metadata: ["reply": "\(reply.topic)-\(reply.partition)@\(reply.offset)"])
            return
        }
        guard !pending.finish(id, with: .success(reply)) else { return }
        pending.countDropped()
        logger.debug(
            "reply dropped: no request waits for it (it timed out, was cancelled, or is not this producer's)",
            metadata: [
                "reply": "\(reply.topic)-\(reply.partition)@\(reply.offset)",
                "correlationId": "\(hex(id.prefix(32)))\(id.count > 32 ? "…(\(id.count) bytes)" : "")",
            ])
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
