import KafkaClient

/// A topic the application needs (Spring-Kafka's `NewTopic` bean): created at start where it is missing, and
/// checked where it exists.
///
/// Declare it beside the listeners, in the application's builder block:
/// ```swift
/// let app = try KafkaApplication(configuration) {
///     Topic("orders", partitions: 6, replicationFactor: 3, configs: ["retention.ms": "604800000"])
///     Listen("orders", topics: "orders") { (record: ConsumerRecord, context) in … }
/// }
/// ```
public struct TopicDeclaration: Sendable, Hashable {
    /// The topic's name.
    public var name: String
    /// How many partitions it has (at least 1).
    public var partitions: Int32
    /// How many replicas each partition has (`nil`: the broker's `default.replication.factor`).
    public var replicationFactor: Int32?
    /// Topic configs set at creation (`cleanup.policy`, `retention.ms`, …); an existing topic's are left alone.
    public var configs: [String: String]

    /// Declares a topic.
    public init(_ name: String, partitions: Int32 = 1, replicationFactor: Int32? = nil, configs: [String: String] = [:])
    {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }

    /// Checks what can be checked without a cluster: the name, at least one partition and one replica.
    ///
    /// - Throws: ``TopicProvisioningError/invalidDeclaration(topic:reason:)``.
    public func validate() throws {
        do { try TopicName.validate(name) } catch let error as KafkaError {
            throw TopicProvisioningError.invalidDeclaration(topic: name, reason: error.message)
        }
        if partitions < 1 {
            throw TopicProvisioningError.invalidDeclaration(
                topic: name, reason: "partitions must be at least 1, got \(partitions)")
        }
        if let replicationFactor, replicationFactor < 1 {
            throw TopicProvisioningError.invalidDeclaration(
                topic: name, reason: "replicationFactor must be at least 1, got \(replicationFactor)")
        }
    }

    /// The admin client's request for this topic.
    var newTopic: NewTopic {
        NewTopic(name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)
    }
}

/// Why declared topics could not be provisioned.
public enum TopicProvisioningError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A declaration is unusable (a bad name, no partitions…).
    case invalidDeclaration(topic: String, reason: String)
    /// Two declarations of one topic disagree.
    case conflictingDeclarations(topic: String)
    /// The cluster did not create these topics (a refusal, missing rights, no CreateTopics support, a timeout).
    case notCreated(topics: [String], reason: String)
    /// The cluster's topics could not be listed.
    case listingFailed(reason: String)

    public var description: String {
        switch self {
        case .invalidDeclaration(let topic, let reason):
            "topic '\(topic)' is declared with unusable settings: \(reason)"
        case .conflictingDeclarations(let topic): "topic '\(topic)' is declared twice with different settings"
        case .notCreated(let topics, let reason):
            "could not create the declared topic\(topics.count == 1 ? "" : "s") \(topics.map { "'\($0)'" }.joined(separator: ", ")): \(reason)"
        case .listingFailed(let reason): "could not list the cluster's topics to provision the declared ones: \(reason)"
        }
    }
}
