import Crdkafka
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
    /// The thread itself, to tell whether code runs on it (set once, before it starts).
    private var thread: Thread!
    /// How deep the thread is inside session bodies (only read and written on this thread).
    private var sessionDepth = 0

    /// Starts the thread.
    ///
    /// - Parameter idle: called in a loop while no job waits; it must return within a short bound
    ///   (it delays the next job by that long).
    init(name: String, idle: (() -> Void)? = nil) {
        self.name = name
        self.idle = idle
        // Weak: the Thread keeps its block after it ends, so a strong capture would be a cycle
        // (this object → Thread → block → this object) and leak both. The loop holds a strong reference
        // while it runs.
        let thread = Thread { [weak self] in self?.loop() }
        self.thread = thread
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Whether the caller runs on this thread outside any session body, where a session body may run
    /// at once instead of being queued (a task that prefers this thread as its executor is there).
    private var canRunInline: Bool { Thread.current === thread && sessionDepth == 0 }

    /// Runs `body` as a session body on this thread; the caller must be on it.
    private func runInline<T>(_ body: () throws -> T) rethrows -> T {
        sessionDepth += 1
        defer { sessionDepth -= 1 }
        return try body()
    }

    /// Runs the session body `body` on this thread without waiting for it: at once when the caller is a task
    /// running here outside any session body, otherwise queued. Returns `false` (dropping `body`) if the
    /// thread has stopped.
    @discardableResult
    func perform(_ body: @escaping () -> Void) -> Bool {
        if canRunInline {
            runInline(body)
            return true
        }
        return submit { [self] in runInline(body) }
    }

    /// Queues `job` as is (not as a session body: a task's job runs this way); returns `false` if the thread
    /// has stopped (the job is then dropped).
    @discardableResult
    func submit(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Runs the session body `body` on this thread and returns its result to the awaiting task; a task
    /// already running here outside any session body runs it at once, without a hop.
    ///
    /// - Throws: whatever `body` throws, or `KafkaError.closed` if the thread has stopped.
    nonisolated(nonsending) func run<T: Sendable>(
        _ operation: String, _ body: @escaping () throws -> T
    ) async throws -> T {
        if canRunInline { return try runInline(body) }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = submit { [self] in continuation.resume(with: Result { try runInline(body) }) }
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
        // Linux keeps at most 15 bytes of a thread's name (longer names are refused), so tools such as
        // `top -H` and `perf` show `kcons-1`, `kprod-2`, `kadmin-3` rather than the process's name.
        crdkafka_name_current_thread(name)
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

/// A task that prefers this thread as its executor runs here between the jobs: a listener container's
/// poll loop does, so moving from handling records to polling costs no thread switch, and a listener
/// call runs on the consumer's thread as in Spring-Kafka (blocking in it delays the consumer, never
/// Swift's cooperative pool).
extension KafkaThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = submit { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
        // Stopped (the consumer is closed): the task must still run, so it goes to the shared pool.
        if !accepted { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
