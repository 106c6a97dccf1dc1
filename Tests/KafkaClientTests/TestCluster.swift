import KafkaClient
import KafkaListenersTesting

/// The one cluster every suite in this test process shares (a group's first join costs ~3 s, so
/// sharing matters). Each test uses its own topics and groups, named by `unique(_:)`.
enum TestCluster {
    /// The process's shared embedded cluster (see `TestKafka.shared`).
    static var shared: EmbeddedKafka { TestKafka.shared.embedded! }

    static var bootstrapServers: String { shared.bootstrapServers }

    /// A name no other test uses.
    static func unique(_ prefix: String) -> String { TestKafka.shared.unique(prefix) }

    /// Creates a topic with a unique name on the embedded cluster and returns the name.
    static func topic(_ prefix: String, partitions: Int32) throws -> String {
        let name = unique(prefix)
        try shared.createTopic(name, partitions: partitions)
        return name
    }

    static func producerConfig(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        TestKafka.shared.producerConfig(extra)
    }

    static func consumerConfig(group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        TestKafka.shared.consumerConfig(group: group, extra)
    }
}
