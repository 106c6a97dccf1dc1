import Crdkafka
import Foundation
import Synchronization

extension LibrdkafkaQuirks {
    /// Sends a consumer's fetcher wake-ups from short-lived threads of their own, so the consumer's thread never
    /// waits for the `ListOffsets` round trip. It serves two quirks.
    ///
    /// A drained prefetch queue asks for one at once (``wake(partition:)``, ``LibrdkafkaQuirks/fetchRestart``); a
    /// new assignment starts a watch (``watchAssignment()``, ``LibrdkafkaQuirks/assignmentWake``) that wakes every
    /// leader 20 ms and again 200 ms later unless a record has arrived by then. librdkafka 2.0.2's broker thread sometimes takes up newly assigned partitions only when
    /// its one-second timer fires, so without the watch about one assignment in three here waited a second for
    /// its first record.
    ///
    /// At most one queue wake-up runs at a time; one asked for meanwhile is folded into a single follow-up for
    /// the whole assignment. ``close()`` ends the watch, waits for a running wake-up and refuses new ones: the
    /// consumer calls it before its handle is destroyed, so no wake-up outlives the handle.
    final class FetchWaker: @unchecked Sendable {
        /// How long after an assignment the watch wakes the fetchers if no record has arrived yet.
        static let assignmentWakeDelays: [Duration] = [.milliseconds(20), .milliseconds(200)]

        // `running`, `again`, `closed`, `watching` and `watchStart` are guarded by `condition`.
        private let condition = NSCondition()
        private var running = false
        private var again = false
        private var closed = false
        private var watching = false
        private var watchStart: ContinuousClock.Instant?
        /// Whether a record arrived since the last assignment (set from the consumer's thread after a poll).
        private let recordsArrived = Atomic<Bool>(true)
        private let rk: OpaquePointer
        private let counter: FetchRestarter.Counter

        init(rk: OpaquePointer, counter: FetchRestarter.Counter) {
            self.rk = rk
            self.counter = counter
        }

        /// Notes that a poll delivered records: the watch of the current assignment has nothing left to do.
        @inline(__always)
        func recordsDelivered() {
            if !recordsArrived.load(ordering: .relaxed) { recordsArrived.store(true, ordering: .relaxed) }
        }

        /// Starts (or restarts, for a newer assignment) the watch that wakes the fetchers if the first record
        /// is late. Returns at once.
        func watchAssignment() {
            condition.lock()
            defer { condition.unlock() }
            guard !closed else { return }
            recordsArrived.store(false, ordering: .relaxed)
            watchStart = .now
            condition.broadcast()  // a running watch starts its schedule again
            guard !watching else { return }
            watching = true
            startThread { [self] in watch() }
        }

        private func watch() {
            condition.lock()
            var start = watchStart ?? .now
            var step = 0
            while !closed {
                // Checked first, so a reassignment during the last wake-up still gets its own schedule.
                if let latest = watchStart, latest != start { (start, step) = (latest, 0) }
                guard step < Self.assignmentWakeDelays.count else { break }
                let due = start + Self.assignmentWakeDelays[step]
                let now = ContinuousClock.now
                if now < due {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: (due - now) / .seconds(1)))
                    continue
                }
                step += 1
                if recordsArrived.load(ordering: .relaxed) { break }
                condition.unlock()
                counter.value.add(1, ordering: .relaxed)
                FetchRestarter.wakeFetchers(rk, partition: nil)
                condition.lock()
            }
            watching = false
            condition.broadcast()
            condition.unlock()
        }

        /// Starts a wake-up of `partition`'s leader (every assigned partition's for `nil`), unless one runs.
        func wake(partition: TopicPartition?) {
            condition.lock()
            defer { condition.unlock() }
            guard !closed else { return }
            if running {
                again = true
                return
            }
            running = true
            startThread { [self] in run(partition) }
        }

        /// Runs `body` on a new thread named `kwake` (for `top -H` and `perf`).
        private func startThread(_ body: @escaping @Sendable () -> Void) {
            let thread = Thread {
                crdkafka_name_current_thread("kwake")
                body()
            }
            thread.name = "kwake"
            thread.start()
        }

        private func run(_ first: TopicPartition?) {
            var partition = first
            while true {
                FetchRestarter.wakeFetchers(rk, partition: partition)
                condition.lock()
                if again && !closed {
                    again = false
                    condition.unlock()
                    partition = nil
                    continue
                }
                running = false
                again = false
                condition.broadcast()
                condition.unlock()
                return
            }
        }

        /// Refuses further wake-ups, ends the watch and waits for a running wake-up to finish (at most its
        /// 500 ms timeout).
        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            while running || watching { condition.wait() }
            condition.unlock()
        }
    }
}
