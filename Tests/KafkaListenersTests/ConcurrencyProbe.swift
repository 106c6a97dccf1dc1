import Synchronization

/// Counts listener calls running at once, overall and per key, and remembers the peaks.
final class ConcurrencyProbe<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var running: [Key: Int] = [:]
        var total = 0
        var peakTotal = 0
        var peakPerKey: [Key: Int] = [:]
    }

    private let state = Mutex(State())

    /// Runs `body` counted under `key`.
    func measure<T: Sendable>(_ key: Key, _ body: () async throws -> T) async rethrows -> T {
        state.withLock { state in
            state.running[key, default: 0] += 1
            state.total += 1
            state.peakTotal = max(state.peakTotal, state.total)
            state.peakPerKey[key] = max(state.peakPerKey[key] ?? 0, state.running[key]!)
        }
        defer {
            state.withLock { state in
                state.running[key]! -= 1
                state.total -= 1
            }
        }
        return try await body()
    }

    /// The most calls seen running at once.
    var peak: Int { state.withLock { $0.peakTotal } }
    /// The most calls seen running at once under one key.
    var peakPerKey: [Key: Int] { state.withLock { $0.peakPerKey } }
    /// Calls running now.
    var running: Int { state.withLock { $0.total } }

    /// Forgets the peaks (the next peak counts from what runs now).
    func resetPeaks() {
        state.withLock { state in
            state.peakTotal = state.total
            state.peakPerKey = state.running
        }
    }
}

/// A gate listeners wait at until a test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    /// Waits until the gate is open.
    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Opens the gate for every waiter, now and later.
    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// How many listeners wait at the gate.
    var waiting: Int { state.withLock { $0.waiting.count } }
}
