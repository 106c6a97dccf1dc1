import Synchronization

/// What each listener handled and failed, for the progress line and the summary.
final class Tally: Sendable {
    private let handled = Mutex<[String: Int]>([:])
    private let failed = Mutex<[String: Int]>([:])

    func add(_ id: String, _ n: Int = 1) { handled.withLock { $0[id, default: 0] += n } }
    func fail(_ id: String) { failed.withLock { $0[id, default: 0] += 1 } }
    func handled(_ id: String) -> Int { handled.withLock { $0[id] ?? 0 } }
    func failed(_ id: String) -> Int { failed.withLock { $0[id] ?? 0 } }
}
