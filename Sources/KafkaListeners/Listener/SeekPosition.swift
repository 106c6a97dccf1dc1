import KafkaClient

/// Where a seek moves a partition: the operations of Spring-Kafka's `ConsumerSeekCallback` (`seek`,
/// `seekToBeginning`, `seekToEnd`, `seekToTimestamp`, `seekRelative`).
///
/// A seek is applied on the consumer's thread at the next poll boundary (on assignment: before any record of the
/// partition is delivered). Positions that need the broker (a timestamp, a relative position) are looked up there;
/// a lookup that fails is logged, and the partition continues from its first unfinished record.
public enum SeekPosition: Sendable, Hashable, CustomStringConvertible {
    /// The first record the partition still holds.
    case beginning
    /// After the last record: only records produced from now on are delivered.
    case end
    /// This offset (the next record delivered is the one at `offset`, or the first after it that exists).
    case offset(Int64)
    /// The first record whose timestamp is at or after this many milliseconds since the epoch; the end where no
    /// record is that recent.
    case timestamp(milliseconds: Int64)
    /// `delta` records from an anchor, kept within the partition's records (a position before the first record is
    /// the first record, one past the end is the end).
    case relative(Int64, from: Anchor)

    /// What a ``SeekPosition/relative(_:from:)`` seek counts from.
    public enum Anchor: String, Sendable, Hashable {
        /// The first record the partition holds (its low watermark).
        case beginning
        /// The end of the partition (its high watermark): `-3` is the last three records.
        case end
        /// The consumer's position, as in Spring-Kafka: the offset after the last record the last poll returned
        /// (with `maxPollRecords` 1, the record after the one being handled); the committed offset when the
        /// partition was not fetched from yet.
        case current
    }

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .offset(let offset): "offset \(offset)"
        case .timestamp(let milliseconds): "timestamp \(milliseconds) ms"
        case .relative(let delta, let anchor): "\(delta >= 0 ? "+" : "")\(delta) from \(anchor.rawValue)"
        }
    }

    /// Checks what can be checked without a broker: an offset or a timestamp is not negative.
    ///
    /// - Throws: ``ListenerError/invalidState(_:)`` naming the position.
    public func validate() throws {
        switch self {
        case .offset(let offset) where offset < 0:
            throw ListenerError.invalidState(
                "a seek offset must not be negative, got \(offset) (use .beginning or .end for logical positions)")
        case .timestamp(let milliseconds) where milliseconds < 0:
            throw ListenerError.invalidState("a seek timestamp must not be negative, got \(milliseconds) ms")
        default:
            return
        }
    }
}

extension SeekPosition {
    /// The offset this position names for one partition, given what the broker said: `nil` when a lookup it needs
    /// is missing. Never traps: relative positions saturate and are kept within `watermarks` when known.
    func resolve(
        watermarks: (low: Int64, high: Int64)?, current: Int64?, timestampOffset: Int64?
    ) -> Int64? {
        switch self {
        case .beginning: return KafkaOffset.beginning.rawValue
        case .end: return KafkaOffset.end.rawValue
        case .offset(let offset): return offset >= 0 ? offset : nil
        case .timestamp:
            guard let found = timestampOffset else { return nil }
            return found >= 0 ? found : KafkaOffset.end.rawValue
        case .relative(let delta, let anchor):
            let base: Int64?
            switch anchor {
            case .beginning: base = watermarks?.low
            case .end: base = watermarks?.high
            case .current: base = current
            }
            guard let base, base >= 0 else { return nil }
            let (sum, overflow) = base.addingReportingOverflow(delta)
            var target = overflow ? (delta < 0 ? 0 : Int64.max) : sum
            if let (low, high) = watermarks, low >= 0, high >= low { target = min(max(target, low), high) }
            return max(target, 0)
        }
    }

    /// Whether resolving needs the partition's watermarks.
    var needsWatermarks: Bool {
        if case .relative = self { return true }
        return false
    }
}
