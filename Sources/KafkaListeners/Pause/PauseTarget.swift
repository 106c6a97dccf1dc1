import KafkaClient

/// What a pause applies to: a whole listener, one child container, or one partition of a listener.
public enum PauseTarget: Hashable, Sendable, CustomStringConvertible {
    /// Every child container of a listener.
    case listener(String)
    /// One child container (`<listener id>-<n>`).
    case container(String)
    /// One partition, in whichever child of the listener owns it now.
    case partition(listenerId: String, TopicPartition)

    public var description: String {
        switch self {
        case .listener(let id): "listener '\(id)'"
        case .container(let id): "container '\(id)'"
        case .partition(let id, let tp): "\(tp) of listener '\(id)'"
        }
    }
}

/// What a pause request did.
public struct PauseOutcome: Sendable, Hashable {
    /// Whether the target was not paused before (false: it was already paused; nothing stacked).
    public var newlyPaused: Bool
    /// When the target resumes on its own, if a resume is scheduled.
    public var resumeAt: ContinuousClock.Instant?
}
