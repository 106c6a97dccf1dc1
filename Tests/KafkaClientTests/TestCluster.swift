import KafkaClient
import KafkaListenersTesting
import Foundation

/// The one cluster every suite in this test process shares (a group's first join costs ~3 s, so
/// sharing matters). Each test uses its own topics and groups, named by `unique(_:)`.
enum TestCluster {
    /// The process's shared embedded cluster (see `TestKafka.shared`).
    static var shared: EmbeddedKafka { TestKafka.shared.embedded! }

    static var bootstrapServers: String { shared.bootstrapServers }

    /// A name no other test uses.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic with a unique name and returns the name.
    static func topic(_ prefix: String, partitions: Int32) throws -> String {
        let name = unique(prefix)
        try shared.createTopic(name, partitions: partitions)
        return name
    }

    static func producerConfig(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        shared.configuration(["linger.ms": "5"].merging(extra) { $1 })
    }

    static func consumerConfig(group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        shared.configuration(
            [
                "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": "false",
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
            ].merging(extra) { $1 })
    }
}
