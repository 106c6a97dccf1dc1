import KafkaClient
import Synchronization

/// The requests of a ``ReplyingProducer`` waiting for their replies, by correlation id.
///
/// An entry is registered before its request is sent, so a reply that comes back before the requester waits is
/// kept for it. A Mutex guards the table; continuations are resumed outside the lock.
final class PendingReplies: Sendable {
    private enum Entry {
        /// Registered; the continuation once the requester waits.
        case waiting(CheckedContinuation<ConsumerRecord, any Error>?)
        /// Finished before the requester waited.
        case finished(Result<ConsumerRecord, any Error>)
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        var closedError: (any Error)?
    }

    private let state = Mutex(State())
    private let droppedCount = Atomic<Int>(0)

    /// How many replies matched no waiting request.
    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Counts a reply that matched no waiting request.
    func countDropped() { droppedCount.add(1, ordering: .relaxed) }

    /// How many requests are registered and not yet finished or collected.
    var count: Int { state.withLock { $0.entries.count } }

    /// Registers `id`.
    ///
    /// - Throws: the error given to ``close(failing:)`` once closed.
    func register(_ id: [UInt8]) throws {
        try state.withLock { state in
            if let error = state.closedError { throw error }
            state.entries[id] = .waiting(nil)
        }
    }

    /// Finishes the request `id` with `result`; `false` if no such request waits (it timed out, was cancelled, or
    /// is not this producer's).
    @discardableResult
    func finish(_ id: [UInt8], with result: Result<ConsumerRecord, any Error>) -> Bool {
        let (matched, continuation) = state.withLock {
            state -> (Bool, CheckedContinuation<ConsumerRecord, any Error>?) in
            guard case .waiting(let continuation) = state.entries[id] else { return (false, nil) }
            if let continuation {
                state.entries[id] = nil
                return (true, continuation)
            }
            state.entries[id] = .finished(result)
            return (true, nil)
        }
        continuation?.resume(with: result)
        return matched
    }

    /// Waits for the request `id` to finish (at once if it already has) and forgets it.
    func wait(_ id: [UInt8]) async throws -> ConsumerRecord {
        try await withCheckedThrowingContinuation { continuation in
            let finished: Result<ConsumerRecord, any Error>? = state.withLock { state in
                switch state.entries[id] {
                case .finished(let result):
                    state.entries[id] = nil
                    return result
                case .waiting:
                    state.entries[id] = .waiting(continuation)
                    return nil
                case nil:
                    return .failure(state.closedError ?? CancellationError())
                }
            }
            if let finished { continuation.resume(with: finished) }
        }
    }

    /// Fails every waiting request with `error`, and every later ``register(_:)``.
    func close(failing error: any Error) {
        let continuations = state.withLock { state in
            state.closedError = error
            let waiting = state.entries.values.compactMap { entry -> CheckedContinuation<ConsumerRecord, any Error>? in
                if case .waiting(let continuation) = entry { return continuation }
                return nil
            }
            for (id, entry) in state.entries {
                if case .waiting(nil) = entry { state.entries[id] = .finished(.failure(error)) }
            }
            state.entries = state.entries.filter { if case .finished = $0.value { true } else { false } }
            return waiting
        }
        for continuation in continuations { continuation.resume(throwing: error) }
    }
}
