/// Whether a container's poll loop keeps polling and whether records keep arriving: when to report it idle and
/// when to report a listener stuck, each once per episode.
///
/// A value with no clock: the container feeds it the time with each event, and its watchdog asks it at every tick.
struct Liveness: Sendable {
    /// What the poll loop is doing.
    enum Loop: Hashable, Sendable {
        /// Polling, or handing records to per-partition workers without waiting for them.
        case polling
        /// Waiting for the listener since `since`; `reported`: reported non-responsive in this episode already.
        case handling(since: ContinuousClock.Instant, reported: Bool)
    }

    /// Whether idleness was reported since the last record arrived.
    enum Idle: Hashable, Sendable {
        case notReported
        case reported
    }

    private(set) var loop = Loop.polling
    private(set) var idle = Idle.notReported
    /// When the last records arrived.
    private(set) var lastRecordAt: ContinuousClock.Instant
    /// Per-partition containers: a slow worker call was reported in this episode.
    private var workerStuckReported = false

    init(now: ContinuousClock.Instant) {
        lastRecordAt = now
    }

    /// A poll returned records; `handling`: the loop now waits for the listener (not for per-partition workers, nor
    /// for records given back during a rebalance hold).
    mutating func recordsArrived(now: ContinuousClock.Instant, handling: Bool) {
        lastRecordAt = now
        idle = .notReported
        loop = handling ? .handling(since: now, reported: false) : .polling
    }

    /// Per-partition workers finished records at `now`.
    mutating func workersProgressed(now: ContinuousClock.Instant) {
        lastRecordAt = now
    }

    /// The listener returned; the loop polls again.
    mutating func handlingEnded() {
        loop = .polling
    }

    /// A poll returned nothing at `now`: how long the container has been idle, when that is to be reported now
    /// (once per episode, after `interval`).
    mutating func pollReturnedEmpty(now: ContinuousClock.Instant, interval: Duration?) -> Duration? {
        guard let interval, idle == .notReported, now - lastRecordAt >= interval else { return nil }
        idle = .reported
        return now - lastRecordAt
    }

    /// The watchdog's tick at `now`: how long the listener has been stuck, when that is to be reported now (once per
    /// episode, after `threshold`). For a per-partition container, `oldestWorkerCall` is when its longest-running
    /// listener call started (`nil`: none runs).
    mutating func watch(
        now: ContinuousClock.Instant, threshold: Duration, perPartition: Bool,
        oldestWorkerCall: ContinuousClock.Instant?
    ) -> Duration? {
        if perPartition {
            guard let since = oldestWorkerCall else {
                workerStuckReported = false
                return nil
            }
            guard !workerStuckReported, now - since >= threshold else { return nil }
            workerStuckReported = true
            return now - since
        }
        guard case .handling(let since, false) = loop, now - since >= threshold else { return nil }
        loop = .handling(since: since, reported: true)
        return now - since
    }
}
