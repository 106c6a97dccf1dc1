/// Discards asked for while lanes run chunks: which of a running chunk's remaining records must not be handed to
/// the listener any more (a seek moved the partition elsewhere, a nack asked for the records from an offset on
/// again).
///
/// A lane takes a chunk of records at once; a discard (``PartitionWorker/discard(from:)``) drops the queued records,
/// and this remembers it for the chunks already taken, so their records past the cutoff are skipped too.
struct ChunkCutoffs: Sendable {
    /// What a chunk must skip of its remaining records.
    enum Cutoff: Sendable, Equatable {
        /// Nothing: hand every record over.
        case none
        /// The records at or after this offset.
        case from(Int64)
        /// Every remaining record.
        case all

        /// Whether a record at `offset` is skipped.
        func skips(_ offset: Int64) -> Bool {
            switch self {
            case .none: false
            case .from(let cutoff): offset >= cutoff
            case .all: true
            }
        }

        /// The cutoff that skips what either skips.
        func merged(_ other: Cutoff) -> Cutoff {
            switch (self, other) {
            case (.all, _), (_, .all): .all
            case (.none, let other), (let other, .none): other
            case (.from(let a), .from(let b)): .from(min(a, b))
            }
        }
    }

    /// Bumped by every discard; a chunk remembers the value it was taken at.
    private(set) var generation: UInt64 = 0
    /// The discards newer than the oldest running chunk.
    private var discards: [(generation: UInt64, from: Int64?)] = []

    /// A discard of the records at or after `offset` (every record for `nil`).
    mutating func discarded(from offset: Int64?) {
        generation &+= 1
        discards.append((generation, offset))
    }

    /// What a chunk taken at generation `since` must skip.
    func cutoff(since: UInt64) -> Cutoff {
        var cutoff = Cutoff.none
        for discard in discards where discard.generation > since {
            cutoff = cutoff.merged(discard.from.map(Cutoff.from) ?? .all)
        }
        return cutoff
    }

    /// Forgets the discards no running chunk can need: those not newer than the oldest running chunk (all of
    /// them when no chunk runs).
    mutating func trim(oldestRunning: UInt64?) {
        guard let oldestRunning else {
            discards.removeAll()
            return
        }
        discards.removeAll { $0.generation <= oldestRunning }
    }
}
