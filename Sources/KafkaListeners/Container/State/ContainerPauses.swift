import KafkaClient

/// The container's side of pausing: the pauses users requested, the partitions librdkafka has paused, and
/// whether the next poll boundary has pause work to do.
///
/// A steady stream of polls does no per-partition pause work: the boundary reconciles only after a change
/// (a request, a nack, an assignment, a hold, a seek) or while some pause ends on its own.
struct ContainerPauses: Sendable {
    /// What the next boundary must do about pauses.
    enum Pending: Sendable, Equatable {
        /// Nothing changed and no pause ends on its own.
        case nothing
        /// Nothing changed, but some partition's pause ends on its own: expire and reconcile.
        case timedPauses
        /// Something changed: apply the requests to the partitions, then reconcile.
        case changed
    }

    /// What one boundary does about pauses.
    enum BoundaryAction: Sendable {
        /// No pause work.
        case none
        /// Expire due pauses, apply seeks and reconcile; with `requests`, apply them to the partitions first.
        case reconcile(requests: PauseRequests?)
    }

    /// The pauses requested of the whole container and of single partitions (kept across restarts).
    private(set) var requests = PauseRequests()
    /// Partitions paused in librdkafka right now (changed on the consumer's thread only).
    var applied: Set<TopicPartition> = []
    private(set) var pending = Pending.changed

    init() {}

    /// A fresh start keeps only the requests: librdkafka's paused set and the pending work start over.
    func restarted() -> ContainerPauses {
        var fresh = ContainerPauses()
        fresh.requests = requests
        return fresh
    }

    /// Something the reconciliation depends on changed.
    mutating func changed() {
        pending = .changed
    }

    /// Requests a pause of `scope` (see ``PauseRequests/pause(_:until:)``).
    mutating func pause(_ scope: PauseScope, until deadline: ContinuousClock.Instant?) -> PauseOutcome {
        pending = .changed
        return requests.pause(scope, until: deadline)
    }

    /// Withdraws a pause of `scope`; returns whether there was one.
    mutating func resume(_ scope: PauseScope) -> Bool {
        pending = .changed
        return requests.resume(scope)
    }

    /// A poll boundary at `now`: ends the requested pauses that are due (returned, for the log) and says what
    /// pause work to do.
    mutating func boundary(now: ContinuousClock.Instant) -> (action: BoundaryAction, ended: [PauseScope]) {
        let ended = requests.earliestDeadline.map { $0 <= now } == true ? requests.expire(now: now) : []
        let state = ended.isEmpty ? pending : .changed
        pending = .nothing
        switch state {
        case .nothing: return (.none, ended)
        case .timedPauses: return (.reconcile(requests: nil), ended)
        case .changed: return (.reconcile(requests: requests), ended)
        }
    }

    /// The boundary reconciled; `timedPausesLeft` says whether some partition's pause still ends on its own.
    mutating func reconciled(timedPausesLeft: Bool) {
        if pending == .nothing && timedPausesLeft { pending = .timedPauses }
    }
}
