import Foundation
import KafkaClient

/// The Kafka cluster a test process shares: a 3-broker ``EmbeddedKafka``, or the cluster named by the
/// `KAFKA_BOOTSTRAP_SERVERS` environment variable when it is set.
///
/// Sharing matters: a group's first join costs about 3 s on EmbeddedKafka, and starting a cluster per test
/// adds up. Each test uses its own topics and groups, named by ``unique(_:)``.
public final class TestKafka: Sendable {
    /// The process-wide cluster.
    public static let shared: TestKafka = {
        if let servers = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty {
            return TestKafka(external: servers)
        }
        do { return TestKafka(embedded: try EmbeddedKafka(brokers: 3)) } catch {
            fatalError("cannot start EmbeddedKafka: \(error)")
        }
    }()

    /// The embedded cluster, or `nil` when testing against an external one (fault injection needs it).
    public let embedded: EmbeddedKafka?
    /// The bootstrap servers of the cluster in use.
    public let bootstrapServers: String

    private init(embedded: EmbeddedKafka) {
        self.embedded = embedded
        self.bootstrapServers = embedded.bootstrapServers
    }

    private init(external servers: String) {
        self.embedded = nil
        self.bootstrapServers = servers
    }

    /// Whether the cluster is the embedded one.
    public var isEmbedded: Bool { embedded != nil }

    /// A name no other test uses.
    public func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic with a unique name and returns the name.
    public func topic(_ prefix: String, partitions: Int32) async throws -> String {
        let name = unique(prefix)
        try await createTopic(name, partitions: partitions)
        return name
    }

    /// Creates a topic (on an external cluster through the admin API, waiting until it is usable).
    public func createTopic(_ name: String, partitions: Int32) async throws {
        if let embedded {
            try embedded.createTopic(name, partitions: partitions)
            return
        }
        try await createExternalTopic(name, partitions: partitions)
    }

    /// A configuration pointing at the cluster, with `extra` laid over it.
    public func configuration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrapServers).merging(KafkaConfiguration(extra))
    }

    /// A producer configuration with a short linger.
    public func producerConfig(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        configuration(["linger.ms": "5"].merging(extra) { $1 })
    }

    /// A consumer configuration for `group`: earliest, no auto commit, short session.
    public func consumerConfig(group: String, _ extra: [String: String] = [:]) -> KafkaConfiguration {
        configuration(
            [
                "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": "false",
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
            ].merging(extra) { $1 })
    }

    /// Produces `count` keyed string records (`key-<i % keys>`, `value-<i>`) and waits for every delivery.
    public func produce(
        _ count: Int, to topic: String, keys: Int = 50, partition: Int32? = nil, valuePrefix: String = "value-"
    ) async throws {
        let producer = try KafkaProducer(configuration: producerConfig())
        for i in 0..<count {
            try await producer.sendAndForget(
                ProducerRecord(topic: topic, partition: partition, key: "key-\(i % keys)", value: "\(valuePrefix)\(i)"))
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
    }
}
