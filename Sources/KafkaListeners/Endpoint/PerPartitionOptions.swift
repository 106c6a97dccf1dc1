/// Which records of one partition a per-partition container may handle at the same time.
public enum RecordOrdering: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// One record of a partition at a time, in offset order (the default). Partitions run in parallel.
    case partition
    /// Records with the same key run one at a time, in offset order; different keys of one partition run
    /// in parallel. A record without a key is ordered with the other key-less records of its partition.
    case key
    /// Any record may run in parallel with any other.
    case unordered

    public var description: String { rawValue }
}

/// Settings of a per-partition container: one consumer, a worker per assigned partition, and records
/// handled in parallel as far as ``ordering`` allows.
///
/// Whatever the ordering, commits cover only the contiguous completed prefix of each partition, so a slow
/// record holds back the committed offset of its partition (not the records after it).
public struct PerPartitionOptions: Sendable, Hashable {
    /// Which records may run at the same time.
    public var ordering: RecordOrdering
    /// The most listener calls running at once in one container, over all its partitions (`nil`: one per
    /// partition in `partition` ordering; 64 otherwise). Can be changed while running, without a rebalance.
    public var maxConcurrency: Int?
    /// The most records a partition holds in memory (queued and running) before it is paused in the
    /// consumer; it is resumed when half of them are done. One poll may overshoot it.
    ///
    /// librdkafka 2.0.2 notices a resumed partition only on its fetcher's own timer (up to about a second
    /// later), so half the buffer should hold about a second of work, or the workers starve while the
    /// fetch restarts. Memory per partition is about `bufferSize` × the record size.
    public var bufferSize: Int
    /// Whether each commit also records, in its metadata, the offsets completed past the committed one, so
    /// that the next owner (after a restart or a rebalance) skips them instead of handling them again.
    ///
    /// The metadata is bounded (4,000 bytes, under Kafka's default `offset.metadata.max.bytes`); when the
    /// completed offsets no longer fit, the partition takes no new records (pause reason
    /// `commitMetadataFull`) until the slow records before them finish.
    public var persistCompleted: Bool

    /// Creates per-partition settings.
    public init(
        ordering: RecordOrdering = .partition, maxConcurrency: Int? = nil, bufferSize: Int = 10_000,
        persistCompleted: Bool = true
    ) {
        self.ordering = ordering
        self.maxConcurrency = maxConcurrency
        self.bufferSize = bufferSize
        self.persistCompleted = persistCompleted
    }

    /// The concurrency limit in effect (`nil`: unlimited).
    var effectiveMaxConcurrency: Int? {
        maxConcurrency ?? (ordering == .partition ? nil : 64)
    }
}
