/// When a container commits, and how: the ack mode's schedule, the one asynchronous commit in flight (or the
/// one synchronous commit queued by per-partition workers), and what a refused commit does to the next tries.
///
/// A value with no locks, clocks or I/O: the container holds it under its lock, feeds it events with the time,
/// and performs the actions it returns (computing the offsets, sending the commit). Which offsets are due is the
/// offset tracker's business; this machine decides only whether and how a commit goes out now.
struct CommitScheduler: Sendable {
    /// The commit under way, if any.
    enum Flight: Hashable, Sendable {
        /// Nothing in flight or queued.
        case idle
        /// A job that sends an asynchronous commit waits for the consumer's thread. A boundary that comes first
        /// sends the commit itself (the job then finds nothing to do), so a job that waits long stalls nothing.
        case asyncQueued
        /// An asynchronous commit is in flight; `again`: another was asked for meanwhile, and the completion
        /// sends it (carrying the newest offsets).
        case asyncInFlight(again: Bool)
        /// A synchronous commit waits for the consumer's thread (asked for by a per-partition worker).
        case syncQueued
    }

    /// What the broker's last refusals mean for the next tries.
    enum Refusals: Hashable, Sendable {
        /// The last commit went through (or none was refused).
        case none
        /// `failures` commits in a row were refused for a reason that may last: no commit before `retryAt`
        /// (stop and revoke excepted).
        case backingOff(failures: Int, retryAt: ContinuousClock.Instant)
        /// A refusal said the group is rebalancing: records are held back until the next assignment change, a
        /// commit that goes through, or `until` (set once records are held back).
        case rebalanceHold(until: ContinuousClock.Instant?)
    }

    /// What to do at a poll boundary.
    enum BoundaryAction: Hashable, Sendable {
        /// Nothing to commit now.
        case none
        /// Send a synchronous commit of everything due, and wait for it before handing the next poll's records to
        /// the listener (the fetch overlaps the round trip).
        case commitOverlapped
        /// Send an asynchronous commit of everything due (it is claimed: ``asyncSendSkipped()`` if nothing is due).
        case commitAsync
    }

    /// What to do after a record finished in `record` ack mode.
    enum RecordAction: Hashable, Sendable {
        /// Nothing now (held back, backing off, or a commit in flight will carry it).
        case none
        /// Commit synchronously now, on the consumer's thread.
        case commitSync
        /// Queue one synchronous commit on the consumer's thread (per-partition workers never wait for it).
        case queueSyncCommit
        /// Queue a job that sends an asynchronous commit when it runs (``asyncJobRuns(now:)``).
        case queueAsyncCommit
    }

    /// What a refusal started.
    enum RefusalAction: Hashable, Sendable {
        /// The group is rebalancing: hold records back. `first`: the first refusal of this hold (worth a warning;
        /// the others are one per poll until the rebalance ends).
        case hold(first: Bool)
        /// Try again after `delay` at the earliest.
        case backOff(Duration)
    }

    let ackMode: AckMode
    let commitMode: CommitMode
    private(set) var flight = Flight.idle
    private(set) var refusals = Refusals.none
    private(set) var lastCommitAt: ContinuousClock.Instant
    private(set) var processedSinceCommit = 0

    init(ackMode: AckMode, commitMode: CommitMode, now: ContinuousClock.Instant) {
        self.ackMode = ackMode
        self.commitMode = commitMode
        self.lastCommitAt = now
    }

    // MARK: Queries

    /// Whether records are held back for a rebalance.
    var isHeld: Bool {
        if case .rebalanceHold = refusals { true } else { false }
    }

    /// Whether a refused commit's back-off still runs at `now`.
    func isBackingOff(at now: ContinuousClock.Instant) -> Bool {
        if case .backingOff(_, let retryAt) = refusals { now < retryAt } else { false }
    }

    /// Whether the ack mode wants a commit at a boundary at `now`.
    func isDue(at now: ContinuousClock.Instant) -> Bool {
        switch ackMode {
        case .record, .batch, .manual, .manualImmediate: true
        case .time(let interval): now - lastCommitAt >= interval
        case .count(let count): processedSinceCommit >= count
        case .countTime(let count, let interval): processedSinceCommit >= count || now - lastCommitAt >= interval
        }
    }

    // MARK: Events

    /// `count` records were processed (for the `count` ack modes).
    mutating func processed(_ count: Int) {
        processedSinceCommit =
            processedSinceCommit.addingReportingOverflow(count).overflow ? Int.max : processedSinceCommit + count
    }

    /// A poll boundary at `now`: ends a hold that outlived its time, then says whether and how to commit.
    mutating func boundary(now: ContinuousClock.Instant) -> BoundaryAction {
        if case .rebalanceHold(let until?) = refusals, now >= until { refusals = .none }
        guard isDue(at: now), !isBackingOff(at: now) else { return .none }
        switch commitMode {
        case .sync: return .commitOverlapped
        case .async: return claimAsync() ? .commitAsync : .none
        }
    }

    /// A record finished in `record` ack mode, handled on the poll loop (`worker == false`) or by a per-partition
    /// worker.
    mutating func recordFinished(now: ContinuousClock.Instant, worker: Bool) -> RecordAction {
        if isHeld || isBackingOff(at: now) { return .none }
        switch commitMode {
        case .sync:
            guard worker else { return .commitSync }
            guard flight == .idle else { return .none }
            flight = .syncQueued
            return .queueSyncCommit
        case .async:
            switch flight {
            case .idle, .syncQueued:
                flight = .asyncQueued
                return .queueAsyncCommit
            case .asyncQueued:
                return .none
            case .asyncInFlight:
                flight = .asyncInFlight(again: true)
                return .none
            }
        }
    }

    /// A job queued by ``recordFinished(now:worker:)`` or ``asyncCommitCompleted(now:)`` runs on the consumer's
    /// thread (or could not be queued, with `queued == false`): returns whether to send an asynchronous commit now
    /// (then it is claimed: ``asyncSendSkipped()`` if nothing is due).
    mutating func asyncJobRuns(now: ContinuousClock.Instant, queued: Bool = true) -> Bool {
        guard flight == .asyncQueued else { return false }
        guard queued, !isHeld, !isBackingOff(at: now) else {
            flight = .idle
            return false
        }
        flight = .asyncInFlight(again: false)
        return true
    }

    /// A synchronous commit queued by ``recordFinished(now:worker:)`` runs on the consumer's thread (or could not be
    /// queued): returns whether to commit now.
    mutating func queuedSyncCommitRuns(now: ContinuousClock.Instant) -> Bool {
        if flight == .syncQueued { flight = .idle }
        return !isHeld && !isBackingOff(at: now)
    }

    /// A claimed asynchronous commit had nothing to send, or could not be sent.
    mutating func asyncSendSkipped() {
        if case .asyncInFlight = flight { flight = .idle }
    }

    /// An asynchronous commit completed (its result reported through ``committed(now:)`` or ``refused(rebalancing:now:)``
    /// first): returns whether to queue a job for the next one (another was asked for meanwhile).
    mutating func asyncCommitCompleted(now: ContinuousClock.Instant) -> Bool {
        guard case .asyncInFlight(let again) = flight else { return false }
        guard again, !isBackingOff(at: now) else {
            flight = .idle
            return false
        }
        flight = .asyncQueued
        return true
    }

    /// A commit went through: the schedule restarts, back-off and hold end. Returns whether a hold ended.
    mutating func committed(now: ContinuousClock.Instant) -> Bool {
        lastCommitAt = now
        processedSinceCommit = 0
        defer { refusals = .none }
        return isHeld
    }

    /// The broker refused a commit; `rebalancing` for REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID.
    mutating func refused(rebalancing: Bool, now: ContinuousClock.Instant) -> RefusalAction {
        if rebalancing {
            let first = !isHeld
            if first { refusals = .rebalanceHold(until: nil) }
            return .hold(first: first)
        }
        let failures: Int
        if case .backingOff(let previous, _) = refusals {
            failures = previous == .max ? previous : previous + 1
        } else {
            failures = 1
        }
        let delay = Self.retryDelay(afterFailures: failures)
        refusals = .backingOff(failures: failures, retryAt: now + delay)
        return .backOff(delay)
    }

    /// Records were held back at `now`: the hold ends on its own at `until` if no rebalance comes.
    mutating func heldBack(until: ContinuousClock.Instant) {
        if isHeld { refusals = .rebalanceHold(until: until) }
    }

    /// The assignment changed: a hold ends. Returns whether there was one.
    mutating func rebalanced() -> Bool {
        guard isHeld else { return false }
        refusals = .none
        return true
    }

    /// How long to wait after `failures` refused commits in a row: 100 ms, doubling, at most 5 s. Records keep
    /// flowing meanwhile; the retry carries their offsets too.
    static func retryDelay(afterFailures failures: Int) -> Duration {
        let first = Duration.milliseconds(100)
        let longest = Duration.seconds(5)
        return min(first * (1 << min(max(failures - 1, 0), 16)), longest)
    }

    /// Claims the one asynchronous commit: `false` when one is in flight (then it is asked for again).
    private mutating func claimAsync() -> Bool {
        switch flight {
        case .idle, .syncQueued, .asyncQueued:
            flight = .asyncInFlight(again: false)
            return true
        case .asyncInFlight:
            flight = .asyncInFlight(again: true)
            return false
        }
    }
}
