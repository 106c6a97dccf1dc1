import Foundation
import Hummingbird
import KafkaClient
import KafkaListeners

/// `GET /listeners`: one entry per listener.
public struct ListenerView: ResponseCodable, Sendable, Equatable {
    /// The listener's id.
    public var id: String
    /// Whether any child runs.
    public var running: Bool
    /// Whether a pause is requested on every child.
    public var pauseRequested: Bool
    /// Whether every running child is effectively paused.
    public var paused: Bool
    /// Seconds until a scheduled resume, if one is scheduled.
    public var resumeInSeconds: Double?
    /// The child containers.
    public var children: [ChildView]
    /// Records not yet committed by the listener's group, summed over its partitions (nil when unknown).
    public var lag: Int64?
    /// The same per partition (`topic-partition`: lag; partitions without a committed offset are left out).
    public var partitionLag: [String: Int64]?

    init(_ status: ListenerStatus, resumeAt: ContinuousClock.Instant?, lag: [GroupPartitionLag]?) {
        let known = lag?.compactMap { entry in entry.lag.map { (entry.topicPartition.description, $0) } }
        self.partitionLag = known.map { Dictionary(uniqueKeysWithValues: $0) }
        self.lag = known.map { Saturating.sum($0.map(\.1)) }
        id = status.id
        running = status.isRunning
        pauseRequested = status.isPauseRequested
        paused = status.isPaused
        resumeInSeconds = resumeAt.map { ($0 - .now) / .seconds(1) }
        children = status.children.map(ChildView.init)
    }
}

/// One child container in ``ListenerView``.
public struct ChildView: Codable, Sendable, Equatable {
    /// The child's id (`<listener id>-<n>`).
    public var id: String
    /// Whether its poll loop runs.
    public var running: Bool
    /// Whether a pause of the whole child is requested.
    public var pauseRequested: Bool
    /// Its assigned partitions, as `topic-partition`.
    public var assignedPartitions: [String]
    /// Seconds until a requested pause of the whole child ends on its own, if it is timed.
    public var resumeInSeconds: Double?
    /// Partitions effectively paused, with the reasons.
    public var pausedPartitions: [String: [String]]
    /// The same partitions with each reason's scheduled end.
    public var partitionPauses: [String: PartitionPauseView]

    init(_ status: ContainerStatus) {
        id = status.id
        running = status.isRunning
        pauseRequested = status.isPauseRequested
        resumeInSeconds = status.pauseResumeAt.map(secondsUntil)
        assignedPartitions = status.assignedPartitions.map(\.description)
        pausedPartitions = Dictionary(
            uniqueKeysWithValues: status.pausedPartitions.map {
                ($0.key.description, $0.value.map(\.description).sorted())
            })
        partitionPauses = Dictionary(
            uniqueKeysWithValues: status.partitionPauses.map { ($0.key.description, PartitionPauseView($0.value)) })
    }
}

/// One paused partition in ``ChildView``: why, and when it fetches again.
public struct PartitionPauseView: Codable, Sendable, Equatable {
    /// Why it is paused (`PauseReason` descriptions, sorted): `container`, `partition`, `nack`, ….
    public var reasons: [String]
    /// Seconds until each timed reason ends, by reason.
    public var reasonResumeInSeconds: [String: Double]
    /// Seconds until it fetches again on its own, when every reason has a scheduled end.
    public var resumeInSeconds: Double?

    init(_ pause: PartitionPause) {
        reasons = pause.reasons.map(\.description).sorted()
        reasonResumeInSeconds = Dictionary(
            uniqueKeysWithValues: pause.resumeAt.map { ($0.key.description, secondsUntil($0.value)) })
        resumeInSeconds = pause.resumesAt.map(secondsUntil)
    }
}

/// Seconds from now until `instant` (0 once it passed).
func secondsUntil(_ instant: ContinuousClock.Instant) -> Double {
    max(0, (instant - .now) / .seconds(1))
}

/// The answer to a local pause or resume.
public struct PauseResult: ResponseCodable, Sendable, Equatable {
    /// The target, as `listener 'id'` or `topic-partition of listener 'id'`.
    public var target: String
    /// Whether the call changed anything (false: it was already in that state).
    public var changed: Bool
    /// Seconds until the scheduled resume, if any.
    public var resumeInSeconds: Double?
}

/// The answer to a fleet-scoped request: every instance's reply.
public struct FleetResult: ResponseCodable, Sendable, Equatable {
    /// The command's id.
    public var commandId: UUID
    /// The replies that arrived before the timeout.
    public var replies: [ControlReply]
}
