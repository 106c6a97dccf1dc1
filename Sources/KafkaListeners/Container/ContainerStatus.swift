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
    /// Per-partition containers: their workers' state (`nil` for a container that handles records on its
    /// poll loop).
    public var workers: WorkerStatus?
    /// The delay the endpoint's throttle applied last (`nil`: not throttled).
    public var throttleDelay: Duration?

    /// Whether every assigned partition is effectively paused (and at least one is assigned).
    public var isPaused: Bool {
        !assignedPartitions.isEmpty && assignedPartitions.allSatisfy { pausedPartitions[$0] != nil }
    }

    public var description: String {
        "\(id): \(isRunning ? "running" : "stopped")\(isPauseRequested ? ", pause requested" : "")\(isPaused ? ", paused" : ""), partitions \(assignedPartitions.map(\.description))"
    }
}

/// The workers of a per-partition container, for its status.
public struct WorkerStatus: Sendable, CustomStringConvertible {
    /// Which records may run at the same time.
    public var ordering: RecordOrdering
    /// The limit on listener calls running at once (`nil`: unlimited).
    public var maxConcurrency: Int?
    /// Lanes running a listener call now.
    public var running: Int
    /// Records queued or running, per partition.
    public var buffered: [TopicPartition: Int]

    public var description: String {
        "\(ordering) ordering, \(running) running (max \(maxConcurrency.map(String.init) ?? "unlimited")), \(buffered.values.reduce(0, +)) buffered"
    }
}
