import Foundation

/// The command ids seen within the freshness window, bounded in size.
///
/// An id stays until its command's issue time falls out of the window (a command that old is rejected as stale
/// anyway), so the cache covers the whole window. It never holds more than `capacity` ids: when full of ids that
/// have not expired, ``insert(_:issuedAt:now:)`` refuses, so a flood costs rejections, never memory. Not thread-safe
/// by itself; the verifier guards it.
struct ReplayCache {
    /// The most ids held.
    let capacity: Int
    /// How long after its issue time an id is kept.
    let retention: TimeInterval
    private var seen: [UUID: Date] = [:]

    /// An empty cache.
    init(capacity: Int, retention: TimeInterval) {
        self.capacity = capacity
        self.retention = retention
    }

    /// How many ids are held.
    var count: Int { seen.count }

    /// The outcome of an insertion.
    enum Insertion: Equatable {
        /// New: remembered.
        case inserted
        /// Seen before, inside the window.
        case replayed
        /// Full of ids still inside the window: not remembered.
        case full
    }

    /// Remembers `id` issued at `issuedAt`, unless it was seen or the cache is full.
    mutating func insert(_ id: UUID, issuedAt: Date, now: Date) -> Insertion {
        if let issued = seen[id], now.timeIntervalSince(issued) <= retention { return .replayed }
        if seen.count >= capacity { evictExpired(now: now) }
        if seen.count >= capacity { return .full }
        seen[id] = issuedAt
        return .inserted
    }

    /// Drops every id whose window has passed.
    mutating func evictExpired(now: Date) {
        seen = seen.filter { now.timeIntervalSince($0.value) <= retention }
    }
}
