/// What topic provisioning needs of a cluster: its topics, and a way to create missing ones.
///
/// ``KafkaAdmin`` is the one to use against a real cluster. A test cluster that lacks the CreateTopics request
/// (librdkafka's mock cluster, `EmbeddedKafka`) conforms with a way of its own.
public protocol TopicAdministration: Sendable {
    /// Every topic in the cluster with its partitions.
    func listTopics(includeInternal: Bool, timeout: Duration) async throws -> [TopicDescription]
    /// Creates `topics`; throws naming the topics that could not be created.
    func createTopics(_ topics: [NewTopic], timeout: Duration) async throws
}

extension KafkaAdmin: TopicAdministration {}
