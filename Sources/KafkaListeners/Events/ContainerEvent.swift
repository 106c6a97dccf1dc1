import KafkaClient

/// Something that happened to a container, for the registry's event stream.
public struct ContainerEvent: Sendable, CustomStringConvertible {
    /// What happened.
    public enum Kind: Sendable {
        /// The container started polling.
        case started
        /// The container stopped, and why.
        case stopped(reason: StopReason)
        /// Partitions were assigned to the container.
        case partitionsAssigned([TopicPartition])
        /// Partitions were revoked (after their processed offsets were committed).
        case partitionsRevoked([TopicPartition])
        /// Partitions were lost without a chance to commit.
        case partitionsLost([TopicPartition])
        /// Partitions stopped fetching, with the reason and, for a timed pause, when they resume.
        case paused([TopicPartition], reason: PauseReason, resumeAt: ContinuousClock.Instant?)
        /// Partitions fetch again.
        case resumed([TopicPartition])
        /// No record arrived for the endpoint's idle interval.
        case idle(Duration)
        /// The poll loop has not come back to poll for this long (a listener is stuck or slow).
        case nonResponsive(Duration)
        /// A listener call threw (the error handler decides what follows: a retry or a recovery).
        case listenerFailed(TopicPartition, offset: Int64, error: String)
        /// A failed record will be delivered again after `delay` (attempt `attempt` failed).
        case retrying(TopicPartition, offset: Int64, attempt: Int, delay: Duration)
        /// The error handler gave up retrying a record and its recoverer handled it (`how`: skipped,
        /// dead-lettered to a topic, custom); the offset moves past it.
        case recovered(TopicPartition, offset: Int64, how: String)
        /// The recoverer failed (for example the dead letter was not delivered); the record is not
        /// committed past and recovery is tried again.
        case recoveryFailed(TopicPartition, offset: Int64, error: String)
        /// Offsets were committed.
        case committed([TopicPartitionOffset])
        /// A commit failed; the offsets stay due and are retried.
        case commitFailed([TopicPartitionOffset], error: KafkaError)
        /// A transactional listener's transaction began, committed, aborted or failed.
        case transaction(TransactionEvent)
    }

    /// The child container's id.
    public var containerId: String
    /// The listener's id.
    public var listenerId: String
    /// What happened.
    public var kind: Kind

    public var description: String { "[\(containerId)] \(kind)" }
}

/// Why a container stopped.
public enum StopReason: Sendable, Hashable {
    /// `stop()` was called (or the registry shut down).
    case requested
    /// It was stopped without a final commit (a simulated crash, in tests).
    case abrupt
    /// A fatal consumer error ended it.
    case fatal(String)
}
