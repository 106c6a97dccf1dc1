import Foundation

/// A thread the library owns, that runs jobs one after another, so blocking librdkafka calls never
/// run on Swift's cooperative pool.
///
/// Jobs run in submission order. When no job is waiting the thread either sleeps on a condition or, if
/// an `idle` function was given, calls it (a producer serves delivery reports there with a short
/// `rd_kafka_poll`). `stop()` lets queued jobs run, then ends the thread.
final class KafkaThread: @unchecked Sendable {
    // `jobs`, `stopping` and `finished` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var finished = false
    private let idle: (() -> Void)?
    let name: String

    /// Starts the thread.
    ///
    /// - Parameter idle: called in a loop while no job waits; it must return within a short bound
    ///   (it delays the next job by that long).
    init(name: String, idle: (() -> Void)? = nil) {
        self.name = name
        self.idle = idle
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues `job`; returns `false` if the thread has stopped (the job is then dropped).
    @discardableResult
    func submit(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Runs `body` on this thread and returns its result to the awaiting task.
    ///
    /// - Throws: whatever `body` throws, or `KafkaError.closed` if the thread has stopped.
    func run<T: Sendable>(_ operation: String, _ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: KafkaError.closed(operation: operation)) }
        }
    }

    /// Lets queued jobs finish, then ends the thread. Jobs submitted afterwards are refused.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            if jobs.isEmpty && !stopping && idle == nil {
                condition.wait()
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            let done = stopping && batch.isEmpty
            condition.unlock()
            for job in batch { job() }
            if done { break }
            if batch.isEmpty, let idle { idle() }
        }
        condition.lock()
        finished = true
        condition.unlock()
    }
}
