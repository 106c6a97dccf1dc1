import Synchronization

/// One shared timer for every scheduled resume: a single task sleeps until the earliest deadline, runs
/// what is due, and sleeps again. No thread and no task per pause.
final class ResumeScheduler: Sendable {
    private struct State {
        var deadlines: [PauseTarget: ContinuousClock.Instant] = [:]
        var sleeper: Task<Void, Never>?
        var sleepingUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let fire: @Sendable (PauseTarget) -> Void

    /// - Parameter fire: called (on the scheduler's task) for each target whose deadline passed.
    init(fire: @escaping @Sendable (PauseTarget) -> Void) {
        self.fire = fire
    }

    /// Schedules `target` to resume at `deadline`, replacing an earlier schedule of the same target.
    func schedule(_ target: PauseTarget, at deadline: ContinuousClock.Instant) {
        state.withLock { $0.deadlines[target] = deadline }
        rearm()
    }

    /// Cancels `target`'s scheduled resume; returns whether one was scheduled.
    @discardableResult
    func cancel(_ target: PauseTarget) -> Bool {
        state.withLock { $0.deadlines.removeValue(forKey: target) != nil }
    }

    /// The scheduled resume of `target`.
    func deadline(of target: PauseTarget) -> ContinuousClock.Instant? {
        state.withLock { $0.deadlines[target] }
    }

    /// Every scheduled resume.
    var all: [PauseTarget: ContinuousClock.Instant] { state.withLock { $0.deadlines } }

    /// Makes sure the one sleeper wakes at the earliest deadline.
    private func rearm() {
        let toCancel: Task<Void, Never>? = state.withLock { state in
            guard let earliest = state.deadlines.values.min() else { return nil }
            if let current = state.sleepingUntil, state.sleeper != nil, current <= earliest { return nil }
            let old = state.sleeper
            state.sleepingUntil = earliest
            state.sleeper = Task { [weak self] in
                try? await Task.sleep(until: earliest, clock: .continuous)
                if Task.isCancelled { return }
                self?.runDue()
            }
            return old
        }
        toCancel?.cancel()
    }

    private func runDue() {
        let now = ContinuousClock.now
        let due: [PauseTarget] = state.withLock { state in
            let due = state.deadlines.filter { $0.value <= now }.map(\.key)
            for target in due { state.deadlines[target] = nil }
            state.sleeper = nil
            state.sleepingUntil = nil
            return due
        }
        for target in due { fire(target) }
        rearm()
    }

    /// Stops the sleeper (scheduled resumes are forgotten).
    func shutdown() {
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            state.deadlines.removeAll()
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.cancel()
    }
}
