/// A container's life: stopped → starting → running → stopping (graceful or abrupt) → stopped, and again.
///
/// A value with no locks or I/O: the container holds it under its lock and performs what its answers say.
/// A stop asked for while the container starts is kept and carried out as soon as the start completes, so a
/// container never keeps running after a stop that raced its start.
struct ContainerLifecycle: Hashable, Sendable {
    /// How a stop ends the container.
    enum StopKind: Hashable, Sendable {
        /// Finish the record in flight (up to the shutdown timeout), commit, close.
        case graceful
        /// Stop at once without a final commit, as a crash would.
        case abrupt
    }

    enum State: Hashable, Sendable {
        case stopped
        /// Creating the consumer and subscribing; `stop`: a stop asked for meanwhile.
        case starting(stop: StopKind?)
        case running
        case stopping(StopKind)
    }

    /// What a stop request asks the container to do.
    enum StopAction: Hashable, Sendable {
        /// Nothing: not running, or already stopping that way.
        case none
        /// Stop the loop now (then commit unless abrupt, then close).
        case stop(StopKind)
        /// The start under way stops the container when it completes.
        case deferredUntilStarted
    }

    /// What to do once a start completed.
    enum StartedAction: Hashable, Sendable {
        /// Keep running.
        case run
        /// A stop came during the start: carry it out now.
        case stop(StopKind)
    }

    private(set) var state = State.stopped

    /// Whether a poll loop exists or is being set up (from the start until the consumer is closed).
    var isActive: Bool { state != .stopped }

    /// Whether a stop is under way.
    var isStopping: Bool {
        if case .stopping = state { true } else { false }
    }

    /// Whether the container is stopping without a final commit (nothing more may be committed).
    var isAbrupt: Bool { state == .stopping(.abrupt) }

    /// A start is requested: returns whether to go ahead (`false` when already started or stopping).
    mutating func start() -> Bool {
        guard state == .stopped else { return false }
        state = .starting(stop: nil)
        return true
    }

    /// The start completed (the loop runs).
    mutating func started() -> StartedAction {
        guard case .starting(let stop) = state else { return .run }
        state = .running
        return stop.map { .stop($0) } ?? .run
    }

    /// The start failed: the container is stopped again.
    mutating func startFailed() {
        state = .stopped
    }

    /// A stop is requested. An abrupt stop overrides a graceful one under way (nothing more is committed).
    mutating func stop(_ kind: StopKind) -> StopAction {
        switch state {
        case .stopped:
            return .none
        case .starting(let pending):
            state = .starting(stop: pending == .abrupt ? .abrupt : kind)
            return .deferredUntilStarted
        case .running:
            state = .stopping(kind)
            return .stop(kind)
        case .stopping(let current):
            guard current == .graceful, kind == .abrupt else { return .none }
            state = .stopping(.abrupt)
            return .none
        }
    }

    /// The consumer is closed.
    mutating func closed() {
        state = .stopped
    }
}
