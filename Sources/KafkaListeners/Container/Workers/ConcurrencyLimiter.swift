import DequeModule
import Synchronization

/// Something a ``ConcurrencyLimiter`` starts once a slot is free.
protocol LimitedWork: AnyObject, Sendable {
    /// Starts the work; it must call ``ConcurrencyLimiter/release()`` (or ``ConcurrencyLimiter/yield(_:)``) once.
    func start()
}

/// Bounds how many lanes of a per-partition container run at once; the bound can change while running.
///
/// Nothing here blocks or suspends: work that finds no free slot is queued and started, in arrival order,
/// by whichever lane frees one. Lowering the bound lets running lanes finish; raising it starts queued ones.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var capacity: Int?
        var active = 0
        var ready: Deque<any LimitedWork> = []
    }

    private let state: Mutex<State>

    /// Creates a limiter with `capacity` slots (`nil`: unlimited).
    init(capacity: Int?) {
        state = Mutex(State(capacity: capacity))
    }

    /// Starts `work` now if a slot is free, or queues it.
    func acquire(_ work: any LimitedWork) {
        let startNow = state.withLock { state -> Bool in
            if let capacity = state.capacity, state.active >= capacity {
                state.ready.append(work)
                return false
            }
            state.active += 1
            return true
        }
        if startNow { work.start() }
    }

    /// Frees a slot; starts the next queued work if the bound allows.
    func release() {
        let next = state.withLock { state -> (any LimitedWork)? in
            state.active -= 1
            return Self.takeNext(&state)
        }
        next?.start()
    }

    /// Gives up the caller's slot to queued work, if any waits, queuing `work` behind it; returns whether it
    /// did (then the caller must stop and leave `work` to be started again later).
    func yield(_ work: any LimitedWork) -> Bool {
        let next = state.withLock { state -> (any LimitedWork)? in
            guard !state.ready.isEmpty else { return nil }
            state.ready.append(work)
            return state.ready.removeFirst()
        }
        guard let next else { return false }
        next.start()
        return true
    }

    /// Changes the bound; queued work starts at once if the new bound leaves room.
    func resize(_ capacity: Int?) {
        let started = state.withLock { state -> [any LimitedWork] in
            state.capacity = capacity
            var started: [any LimitedWork] = []
            while let next = Self.takeNext(&state) { started.append(next) }
            return started
        }
        for work in started { work.start() }
    }

    /// The bound in effect (`nil`: unlimited).
    var capacity: Int? { state.withLock { $0.capacity } }

    /// How many slots are taken now.
    var active: Int { state.withLock { $0.active } }

    private static func takeNext(_ state: inout State) -> (any LimitedWork)? {
        guard !state.ready.isEmpty, state.capacity.map({ state.active < $0 }) ?? true else { return nil }
        state.active += 1
        return state.ready.removeFirst()
    }
}
