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
    /// When the requested container pause ends on its own (`nil`: not paused, or until resumed).
    public var pauseResumeAt: ContinuousClock.Instant?
    /// The partitions assigned to it.
    public var assignedPartitions: [TopicPartition]
    /// The partitions actually paused in the consumer, with their reasons and each reason's scheduled end (the
    /// effective state).
    public var partitionPauses: [TopicPartition: PartitionPause]
    /// The same partitions with their reasons only.
    public var pausedPartitions: [TopicPartition: Set<PauseReason>] { partitionPauses.mapValues(\.reasons) }
    /// The partitions paused one by one (requested, whether assigned here or not), with the scheduled end of
    /// each (`nil`: until resumed). An assigned one among them is paused at the next poll boundary.
    public var requestedPartitionPauses: [TopicPartition: ContinuousClock.Instant?]
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

/// Why one partition is paused in the consumer, and when each reason ends.
public struct PartitionPause: Sendable, Hashable, CustomStringConvertible {
    /// Every reason the partition is paused for; it fetches again once none is left.
    public var reasons: Set<PauseReason>
    /// The scheduled end of the reasons that end on their own.
    public var resumeAt: [PauseReason: ContinuousClock.Instant]

    /// When the partition fetches again if nothing else happens: the last scheduled end, or `nil` when some
    /// reason lasts until it is lifted.
    public var resumesAt: ContinuousClock.Instant? {
        reasons.allSatisfy { resumeAt[$0] != nil } ? resumeAt.values.max() : nil
    }

    /// Creates a pause description.
    public init(reasons: Set<PauseReason>, resumeAt: [PauseReason: ContinuousClock.Instant] = [:]) {
        self.reasons = reasons
        self.resumeAt = resumeAt.filter { reasons.contains($0.key) }
    }

    public var description: String {
        reasons.sorted { $0.description < $1.description }.map { reason in
            resumeAt[reason].map { "\(reason) (resumes in \(Self.remaining(until: $0)))" } ?? "\(reason)"
        }.joined(separator: ", ")
    }

    static func remaining(until instant: ContinuousClock.Instant) -> String {
        let ms = max(0, ((instant - .now) / .milliseconds(1)).rounded())
        return ms >= 1000 ? "\((ms / 100).rounded() / 10) s" : "\(Int(ms)) ms"
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
