import KafkaClient

/// The embedded cluster provisions declared topics directly in the mock cluster (which has no CreateTopics):
/// partitions and replication factor are kept, topic configs are ignored.
extension EmbeddedKafka: TopicAdministration {
    /// Every topic of the embedded cluster, from a Metadata request.
    public func listTopics(includeInternal: Bool, timeout: Duration) async throws -> [TopicDescription] {
        let admin = try KafkaAdmin(configuration: configuration())
        do {
            let topics = try await admin.listTopics(includeInternal: includeInternal, timeout: timeout)
            await admin.close()
            return topics
        } catch {
            await admin.close()
            throw error
        }
    }

    /// Creates `topics` in the mock cluster (one partition and one replica where unset; configs are ignored).
    public func createTopics(_ topics: [NewTopic], timeout: Duration) async throws {
        for topic in topics {
            try createTopic(
                topic.name, partitions: topic.partitions ?? 1, replicationFactor: topic.replicationFactor ?? 1)
        }
    }
}
