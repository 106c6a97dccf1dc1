import KafkaClient

/// A snapshot of one child container, for the registry's status.
public struct ContainerStatus: Sendable, CustomStringConvertible {
    /// The child's id (`<listener id>-<n>`).
    public var id: String
    /// The listener's id.
    public var listenerId: String
    /// Whether its poll loop runs.
    public var isRunning: Bool
    /// Whether a pause of the whole container was requested.
    public var isPauseRequested: Bool
    /// The partitions assigned to it.
    public var assignedPartitions: [TopicPartition]
    /// The partitions actually paused in the consumer, with their reasons (the effective state).
    public var pausedPartitions: [TopicPartition: Set<PauseReason>]

    /// Whether every assigned partition is effectively paused (and at least one is assigned).
    public var isPaused: Bool {
        !assignedPartitions.isEmpty && assignedPartitions.allSatisfy { pausedPartitions[$0] != nil }
    }

    public var description: String {
        "\(id): \(isRunning ? "running" : "stopped")\(isPauseRequested ? ", pause requested" : "")\(isPaused ? ", paused" : ""), partitions \(assignedPartitions.map(\.description))"
    }
}
