import Synchronization

/// Waits for `task` to finish, at most `timeout`; returns whether it finished. The task itself is left
/// running when the time runs out (the caller decides whether to cancel it).
func awaitCompletion(of task: Task<Void, Never>, timeout: Duration) async -> Bool {
    final class Once: Sendable {
        let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        func resume(_ value: Bool) { continuation.withLock { $0.take() }?.resume(returning: value) }
    }
    let once = Once()
    return await withCheckedContinuation { continuation in
        once.continuation.withLock { $0 = continuation }
        Task {
            await task.value
            once.resume(true)
        }
        Task {
            try? await Task.sleep(for: timeout)
            once.resume(false)
        }
    }
}
