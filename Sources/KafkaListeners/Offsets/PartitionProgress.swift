import DequeModule
import KafkaClient

/// Why a partition is paused; a partition fetches only when it has no reason left.
public enum PauseReason: Hashable, Sendable, CustomStringConvertible {
    /// The listener nacked a record and waits before it is re-delivered.
    case nack
    /// An operator or code paused it (the pause service).
    case requested
    /// The container paused it because a worker's buffer is full.
    case backPressure
    /// The error handler waits before a retry.
    case backOff
    /// A throttle delays the next fetch.
    case throttle
    /// A commit reported a rebalance under way: nothing more is handled until the new assignment.
    case rebalance

    public var description: String {
        switch self {
        case .nack: "nack"
        case .requested: "requested"
        case .backPressure: "back-pressure"
        case .backOff: "back-off"
        case .throttle: "throttle"
        case .rebalance: "rebalance"
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

    /// Records that `offset` was handed to the listener (needed when records may finish out of order).
    mutating func delivered(_ offset: Int64) {
        if let last = pending.last?.offset, offset <= last { return }
        if let committable, offset < committable { return }
        pending.append((offset, false))
    }

    /// Marks one delivered record finished; returns whether the committable offset moved.
    @discardableResult
    mutating func finished(_ offset: Int64) -> Bool {
        // Binary search: pending is sorted by offset.
        var low = 0, high = pending.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = pending[mid].offset
            if value == offset {
                pending[mid].done = true
                break
            } else if value < offset { low = mid + 1 } else { high = mid - 1 }
        }
        return advance()
    }

    /// Marks every record up to and including `offset` finished, delivered or not (in-order processing).
    @discardableResult
    mutating func finishedThrough(_ offset: Int64) -> Bool {
        while let first = pending.first, first.offset <= offset { pending.removeFirst() }
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

    /// Records a successful commit of `offset`.
    mutating func didCommit(_ offset: Int64) {
        if committed.map({ offset > $0 }) ?? true { committed = offset }
    }

    /// Forgets delivered-but-unfinished records at or after `offset` (they will be delivered again after a
    /// seek to `offset`); the committable prefix stays.
    mutating func rewind(to offset: Int64) {
        while let last = pending.last, last.offset >= offset { pending.removeLast() }
        // A logical offset (beginning, end) says nothing about what may be committed.
        if offset >= 0, let committable, committable > offset { self.committable = offset }
    }

}
