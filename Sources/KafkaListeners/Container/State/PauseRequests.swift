import KafkaClient

/// What a pause request applies to inside one container.
enum PauseScope: Hashable, Sendable, CustomStringConvertible {
    /// Every partition the container is assigned, now and later.
    case container
    /// One partition, whenever the container is assigned it.
    case partition(TopicPartition)

    /// The pause reason the scope stands for: distinct, so that no scope can lift another's pause.
    var reason: PauseReason {
        switch self {
        case .container: .container
        case .partition: .partition
        }
    }

    var description: String {
        switch self {
        case .container: "the container"
        case .partition(let tp): "partition \(tp)"
        }
    }
}

/// How long a requested pause lasts.
enum PauseHold: Hashable, Sendable {
    /// Until someone resumes it.
    case untilResumed
    /// Until the instant, unless resumed earlier.
    case until(ContinuousClock.Instant)

    /// The instant the pause ends on its own, if it does.
    var deadline: ContinuousClock.Instant? {
        if case .until(let instant) = self { instant } else { nil }
    }

    /// The hold after a second pause request of the same scope: a longer duration extends, a shorter one never
    /// shortens, and an untimed request makes a timed pause last until resumed. A timed request does not shorten
    /// an untimed pause.
    func merged(with wanted: PauseHold) -> PauseHold {
        switch (self, wanted) {
        case (.untilResumed, _), (_, .untilResumed): .untilResumed
        case (.until(let current), .until(let new)): .until(max(current, new))
        }
    }
}

/// The pauses requested of one container — of the whole container and of single partitions — with their
/// scheduled ends. A value with no locks, clocks or I/O: the container holds it under its lock, feeds it requests
/// and the time, and turns it into pause reasons of the assigned partitions at each poll boundary.
///
/// Requests outlive assignments: a partition paused here stays paused when it is revoked and assigned again, and
/// a container pause covers partitions assigned later.
struct PauseRequests: Hashable, Sendable {
    private(set) var holds: [PauseScope: PauseHold] = [:]

    /// Pauses `scope` until resumed, or until `until`; says whether it is newly paused and when it resumes now.
    mutating func pause(_ scope: PauseScope, until: ContinuousClock.Instant?) -> PauseOutcome {
        let wanted: PauseHold = until.map { .until($0) } ?? .untilResumed
        let existing = holds[scope]
        let hold = existing?.merged(with: wanted) ?? wanted
        holds[scope] = hold
        return PauseOutcome(newlyPaused: existing == nil, resumeAt: hold.deadline)
    }

    /// Lifts the pause of `scope`; returns whether it was paused.
    @discardableResult
    mutating func resume(_ scope: PauseScope) -> Bool {
        holds.removeValue(forKey: scope) != nil
    }

    /// Lifts every pause whose time has come; returns the scopes lifted.
    mutating func expire(now: ContinuousClock.Instant) -> [PauseScope] {
        let due = holds.filter { $0.value.deadline.map { $0 <= now } ?? false }.map(\.key)
        for scope in due { holds[scope] = nil }
        return due
    }

    /// The earliest scheduled end of any pause.
    var earliestDeadline: ContinuousClock.Instant? {
        holds.values.compactMap(\.deadline).min()
    }

    /// Whether `scope` is paused.
    func isPaused(_ scope: PauseScope) -> Bool { holds[scope] != nil }

    /// The scheduled end of `scope`'s pause (`nil`: not paused, or paused until resumed).
    func deadline(of scope: PauseScope) -> ContinuousClock.Instant? { holds[scope]?.deadline }

    /// The requested pause reasons of partition `tp`, each with its scheduled end (`nil`: until resumed).
    func reasons(for tp: TopicPartition) -> [PauseReason: ContinuousClock.Instant?] {
        var reasons: [PauseReason: ContinuousClock.Instant?] = [:]
        if let hold = holds[.container] { reasons[.container] = hold.deadline }
        if let hold = holds[.partition(tp)] { reasons[.partition] = hold.deadline }
        return reasons
    }

    /// The partitions paused one by one.
    var pausedPartitions: [TopicPartition] {
        holds.keys.compactMap { if case .partition(let tp) = $0 { tp } else { nil } }.sorted()
    }
}
