import KafkaClient
import Logging

/// What provisioning found and did.
public struct TopicProvisioningReport: Sendable, Equatable {
    /// Topics that were missing and were created.
    public var created: [String]
    /// Declared topics that existed already.
    public var existing: [String]
    /// Existing topics whose partition count differs from the declaration (they are left as they are).
    public var mismatches: [PartitionCountMismatch]

    /// Creates a report.
    public init(created: [String] = [], existing: [String] = [], mismatches: [PartitionCountMismatch] = []) {
        self.created = created
        self.existing = existing
        self.mismatches = mismatches
    }
}

/// An existing topic with another partition count than declared.
public struct PartitionCountMismatch: Sendable, Equatable, CustomStringConvertible {
    /// The topic.
    public var topic: String
    /// The declared count.
    public var declared: Int32
    /// The count in the cluster.
    public var actual: Int

    /// Creates a mismatch.
    public init(topic: String, declared: Int32, actual: Int) {
        self.topic = topic
        self.declared = declared
        self.actual = actual
    }

    public var description: String { "topic '\(topic)' has \(actual) partitions, \(declared) declared" }
}

/// Creates the declared topics that are missing and checks the ones that exist (Spring-Kafka's `KafkaAdmin`
/// at start). Existing topics are never changed: a partition count that differs from the declaration is
/// reported (log warning and ``TopicProvisioningReport/mismatches``), as growing a topic moves keys between
/// partitions and is an operator's decision.
public struct TopicProvisioner: Sendable {
    /// The cluster to provision.
    public let cluster: any TopicAdministration
    /// How long each request to the cluster may take.
    public var timeout: Duration

    /// A provisioner for `cluster` (a `KafkaAdmin`, or a test cluster).
    public init(cluster: any TopicAdministration, timeout: Duration = .seconds(30)) {
        self.cluster = cluster
        self.timeout = timeout
    }

    /// Provisions `topics`.
    ///
    /// - Throws: ``TopicProvisioningError``: an unusable or conflicting declaration (before any request), topics
    ///   that could not be listed, or missing topics the cluster did not create (naming them).
    public func provision(
        _ topics: [TopicDeclaration], logger: Logger = Logger(label: "kafka.listeners")
    ) async throws -> TopicProvisioningReport {
        let declared = try Self.merged(topics)
        guard !declared.isEmpty else { return TopicProvisioningReport() }
        let present: [String: Int]
        do {
            present = Dictionary(
                try await cluster.listTopics(includeInternal: false, timeout: timeout).map {
                    ($0.name, $0.partitionCount)
                },
                uniquingKeysWith: { first, _ in first })
        } catch {
            throw TopicProvisioningError.listingFailed(reason: "\(error)")
        }
        var report = TopicProvisioningReport()
        var missing: [TopicDeclaration] = []
        for topic in declared {
            guard let actual = present[topic.name] else {
                missing.append(topic)
                continue
            }
            report.existing.append(topic.name)
            if actual != Int(topic.partitions) {
                let mismatch = PartitionCountMismatch(topic: topic.name, declared: topic.partitions, actual: actual)
                logger.warning("\(mismatch); it is left as it is")
                report.mismatches.append(mismatch)
            }
        }
        if !missing.isEmpty {
            do {
                try await cluster.createTopics(missing.map(\.newTopic), timeout: timeout)
            } catch {
                throw TopicProvisioningError.notCreated(topics: missing.map(\.name), reason: "\(error)")
            }
            report.created = missing.map(\.name)
            logger.info("created the declared topics \(report.created.joined(separator: ", "))")
        }
        return report
    }

    /// The declarations, validated, one per topic in first-declared order (identical repeats are merged).
    static func merged(_ topics: [TopicDeclaration]) throws -> [TopicDeclaration] {
        var seen: [String: TopicDeclaration] = [:]
        var ordered: [TopicDeclaration] = []
        for topic in topics {
            try topic.validate()
            if let earlier = seen[topic.name] {
                guard earlier == topic else { throw TopicProvisioningError.conflictingDeclarations(topic: topic.name) }
                continue
            }
            seen[topic.name] = topic
            ordered.append(topic)
        }
        return ordered
    }
}
