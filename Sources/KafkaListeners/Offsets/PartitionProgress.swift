import DequeModule
import KafkaClient

/// Why a partition is paused; a partition fetches only when it has no reason left.
public enum PauseReason: Hashable, Sendable, CustomStringConvertible {
    /// The listener nacked a record and waits before it is re-delivered.
    case nack
    /// The whole container (or listener) was paused: ``SingleContainer/pause(until:immediate:)``, the pause
    /// service's listener and container targets.
    case container
    /// This partition was paused on its own: ``SingleContainer/pause(_:until:immediate:)``, the pause service's
    /// partition target. Distinct from ``container``: resuming the container never lifts it, and the reverse.
    case partition
    /// The container paused it because a worker's buffer is full.
    case backPressure
    /// The error handler waits before a retry.
    case backOff
    /// A throttle delays the next fetch.
    case throttle
    /// A commit reported a rebalance under way: nothing more is handled until the new assignment.
    case rebalance
    /// The offsets completed past the committed one no longer fit in the commit metadata: no new records
    /// until the slow ones finish (per-partition containers).
    case commitMetadataFull

    public var description: String {
        switch self {
        case .nack: "nack"
        case .container: "container"
        case .partition: "partition"
        case .backPressure: "back-pressure"
        case .backOff: "back-off"
        case .throttle: "throttle"
        case .rebalance: "rebalance"
        case .commitMetadataFull: "commit-metadata-full"
        }
    }
}

/// One partition's state in a container: assigned or not, why it is paused, which delivered records are
/// still unfinished, what may be committed, and a seek waiting for the next poll boundary.
///
/// This is the single place that decides what is committable: the offset after the last record of the
/// contiguous finished prefix of what was delivered. A record delivered but not finished holds every later
/// offset back, however the acknowledgements arrive.
struct PartitionProgress: Sendable {
    /// Delivered records not yet part of the committable prefix, in offset order.
    private(set) var pending: Deque<(offset: Int64, done: Bool)> = []
    /// The next offset to commit (the offset after the contiguous finished prefix), once known.
    private(set) var committable: Int64?
    /// The last offset committed successfully (the next offset to read), once known.
    var committed: Int64?
    /// Why the partition is paused; empty means fetching.
    var pauseReasons: Set<PauseReason> = []
    /// When a paused-for-a-while reason ends, per reason.
    var resumeAt: [PauseReason: ContinuousClock.Instant] = [:]
    /// A seek to apply at the next poll boundary.
    var pendingSeek: Int64?
    /// The metadata of the last successful commit (completed offsets past it, when they are persisted).
    var committedMetadata: String?
    /// How many entries of `pending` are done (they are what commit metadata persists).
    private(set) var doneAhead = 0
    /// Offsets past the committed one that a previous owner completed (read from the commit metadata), not
    /// delivered yet: when they are, they count as done without being handled.
    private(set) var restoredDone: Deque<Int64> = []

    /// Records that `offset` was handed to the listener (needed when records may finish out of order).
    ///
    /// - Returns: `true` if a previous owner already completed it (it is marked done; do not handle it).
    @discardableResult
    mutating func delivered(_ offset: Int64) -> Bool {
        if let last = pending.last?.offset, offset <= last { return false }
        if let committable, offset < committable { return false }
        while let first = restoredDone.first, first < offset { restoredDone.removeFirst() }
        let skip = restoredDone.first == offset
        if skip { restoredDone.removeFirst() }
        pending.append((offset, skip))
        if skip {
            doneAhead += 1
            _ = advance()
        }
        return skip
    }

    /// Starts from a commit of `committed` whose metadata says `completed` (ascending) were done already.
    mutating func restore(committed: Int64, metadata: String?, completed: [Int64]) {
        self.committed = committed
        committedMetadata = metadata
        restoredDone = Deque(completed.filter { $0 > committed })
    }
    /// Marks one delivered record finished; returns whether the committable offset moved.
    @discardableResult
    mutating func finished(_ offset: Int64) -> Bool {
        // Binary search: pending is sorted by offset.
        var low = 0
        var high = pending.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = pending[mid].offset
            if value == offset {
                if !pending[mid].done {
                    pending[mid].done = true
                    doneAhead += 1
                }
                break
            } else if value < offset {
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return advance()
    }

    /// Marks every record up to and including `offset` finished, delivered or not (in-order processing).
    @discardableResult
    mutating func finishedThrough(_ offset: Int64) -> Bool {
        while let first = pending.first, first.offset <= offset {
            if first.done { doneAhead -= 1 }
            pending.removeFirst()
        }
        var moved = false
        if committable.map({ offset + 1 > $0 }) ?? true {
            committable = offset + 1
            moved = true
        }
        return advance() || moved
    }

    private mutating func advance() -> Bool {
        var moved = false
        while let first = pending.first, first.done {
            doneAhead -= 1
            pending.removeFirst()
            committable = first.offset + 1
            moved = true
        }
        return moved
    }

    /// The offset to commit now, if it is ahead of what was committed.
    var commitDue: Int64? {
        guard let committable else { return nil }
        if let committed, committed >= committable { return nil }
        return committable
    }

    /// The commit due now when completed offsets are persisted: the offset (the committable one, or else
    /// the first delivered record — records before it were never this owner's) and its metadata, if either
    /// changed since the last commit. `truncated` says the metadata could not hold every completed offset.
    func commitDueWithCompleted() -> (offset: Int64, metadata: String?, truncated: Bool)? {
        guard let base = committable ?? pending.first?.offset else { return nil }
        if let committed, committed > base { return nil }
        var metadata: String?
        var truncated = false
        if doneAhead > 0 || !restoredDone.isEmpty {
            let done = pending.lazy.filter(\.done).map(\.offset)
            (metadata, truncated) = CompletedOffsets.encode(committed: base, completed: Array(done) + restoredDone)
        }
        if committed == base && metadata == committedMetadata { return nil }
        return (base, metadata, truncated)
    }

    /// Records a successful commit of `offset` with `metadata`; returns whether it moved the committed state
    /// (an older commit completing after a newer one does not).
    @discardableResult
    mutating func didCommit(_ offset: Int64, metadata: String? = nil) -> Bool {
        guard let committed else {
            self.committed = offset
            committedMetadata = metadata
            return true
        }
        if offset > committed || (offset == committed && metadata != committedMetadata) {
            self.committed = offset
            committedMetadata = metadata
            return true
        }
        return offset == committed
    }

    /// Forgets delivered records that will never be handled (the listener moved past them with a seek): they
    /// no longer hold later offsets back. Finished ones stay.
    mutating func forget(_ offsets: Set<Int64>) {
        guard !offsets.isEmpty, !pending.isEmpty else { return }
        pending.removeAll { !$0.done && offsets.contains($0.offset) }
        _ = advance()
    }

    /// Forgets delivered-but-unfinished records at or after `offset` (they will be delivered again after a
    /// seek to `offset`); the committable prefix stays.
    mutating func rewind(to offset: Int64) {
        while let last = pending.last, last.offset >= offset {
            if last.done { doneAhead -= 1 }
            pending.removeLast()
        }
        // A logical offset (beginning, end) says nothing about what may be committed.
        if offset >= 0, let committable, committable > offset { self.committable = offset }
    }

}
