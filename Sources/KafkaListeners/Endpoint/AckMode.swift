/// When a container commits offsets (Spring-Kafka's `AckMode`).
///
/// Every commit is of `offset + 1` of the last record of a *contiguous* processed (or, in manual modes,
/// acknowledged) prefix of each partition: a record that is not finished holds every later offset back. A record the
/// error handler's recoverer handled counts as acknowledged in manual modes too (Spring-Kafka's `ackAfterHandle`).
///
/// | mode | commits | a crash can re-deliver (per partition) with `.sync` commits; with `.async` (the default), also what was handled while the last commit was in flight |
/// | --- | --- | --- |
/// | `record` | after each record | the record in flight |
/// | `batch` | after all records of a poll | up to one poll's records |
/// | `time(t)` | at a poll boundary once `t` has passed since the last commit | what was processed in up to `t` plus one poll |
/// | `count(n)` | at a poll boundary once `n` records were processed since the last commit | up to `n` + one poll's records |
/// | `countTime(n, t)` | whichever of the two comes first | the smaller bound |
/// | `manual` | what the listener acknowledged, at the next poll boundary | unacknowledged records (and acknowledged ones not yet committed) |
/// | `manualImmediate` | what the listener acknowledged, at once, always synchronously | unacknowledged records |
public enum AckMode: Sendable, Hashable, CustomStringConvertible {
    /// Commit after each record.
    case record
    /// Commit after all records of a poll.
    case batch
    /// Commit at a poll boundary once the interval has passed since the last commit.
    case time(Duration)
    /// Commit at a poll boundary once this many records were processed since the last commit.
    case count(Int)
    /// Commit when either the count or the interval is reached, whichever comes first.
    case countTime(Int, Duration)
    /// Commit what the listener acknowledged, at the next poll boundary.
    case manual
    /// Commit what the listener acknowledged, at once.
    case manualImmediate

    /// Whether the listener acknowledges (only acknowledged records, and records the error handler recovered, are
    /// committed).
    public var isManual: Bool {
        switch self {
        case .manual, .manualImmediate: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .record: "record"
        case .batch: "batch"
        case .time(let interval): "time(\(interval))"
        case .count(let count): "count(\(count))"
        case .countTime(let count, let interval): "countTime(\(count), \(interval))"
        case .manual: "manual"
        case .manualImmediate: "manualImmediate"
        }
    }
}

/// Whether commits wait for the broker's answer. Either way, revoke and stop commit synchronously, and nothing is
/// committed past a record that was not handled.
public enum CommitMode: Sendable, Hashable {
    /// A poll's commit is answered before the next poll's records reach the listener (the fetch overlaps the round
    /// trip); in `record` mode the loop waits for each record's commit. Failures are retried after a back-off.
    case sync
    /// The default. Commits are sent without waiting; at most one is in flight per container and one asked for
    /// meanwhile follows its completion with the newest offsets, so a failed commit is replaced by the next, never lost.
    case async
}
