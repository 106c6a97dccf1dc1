import Crdkafka
import Foundation

/// Sends a consumer's fetcher wake-ups (``FetchRestarter``) from a short-lived thread of their own, so the
/// consumer's thread never waits for the `ListOffsets` round trip.
///
/// At most one wake-up runs at a time; one asked for meanwhile is folded into a single follow-up for the
/// whole assignment. ``close()`` waits for a running one and refuses new ones: the consumer calls it before
/// its handle is destroyed, so no wake-up outlives the handle.
final class FetchWaker: @unchecked Sendable {
    // `running`, `again` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var running = false
    private var again = false
    private var closed = false
    private let rk: OpaquePointer

    init(rk: OpaquePointer) {
        self.rk = rk
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
        let thread = Thread { [self] in run(partition) }
        thread.name = "kwake"
        thread.start()
    }

    private func run(_ first: TopicPartition?) {
        crdkafka_name_current_thread("kwake")
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

    /// Refuses further wake-ups and waits for a running one to finish (at most its 500 ms timeout).
    func close() {
        condition.lock()
        closed = true
        while running { condition.wait() }
        condition.unlock()
    }
}
