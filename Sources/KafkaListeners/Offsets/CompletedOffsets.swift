/// Encodes the offsets completed past a partition's committed offset into commit metadata, so that after
/// a restart or a rebalance they are skipped instead of handled again.
///
/// Format (`lk1:` then comma-separated runs): each run is `d` or `d.n` — it starts at `end + d`, where
/// `end` is the offset after the previous run (for the first run: the committed offset), and covers `n`
/// offsets (1 if omitted); `d` is at least 1, since a run never touches the one before it. `committed 10, completed 11…59 and 70` encodes as `lk1:1.49,10`. Anything that
/// does not parse is ignored: skipping nothing is always safe.
enum CompletedOffsets {
    static let prefix = "lk1:"
    /// Kafka's default `offset.metadata.max.bytes` is 4096; stay under it.
    static let limit = 4_000

    /// Encodes `completed` (ascending, each above `committed`) as metadata of at most `limit` bytes.
    ///
    /// - Returns: the metadata (`nil` when nothing is completed past the committed offset) and whether runs
    ///   were left out to stay within the limit (the lowest runs are kept; leaving some out is safe).
    static func encode(
        committed: Int64, completed: some Sequence<Int64>, limit: Int = limit
    ) -> (String?, truncated: Bool) {
        var text = prefix
        var previousEnd = committed
        var runStart: Int64?
        var runCount: Int64 = 0
        var truncated = false
        var wrote = false
        func flush() -> Bool {
            guard let start = runStart else { return true }
            let item = (wrote ? "," : "") + String(start - previousEnd) + (runCount > 1 ? ".\(runCount)" : "")
            guard text.utf8.count + item.utf8.count <= limit else { return false }
            text += item
            wrote = true
            previousEnd = start + runCount
            return true
        }
        for offset in completed where offset > committed {
            if let start = runStart, offset == start + runCount {
                runCount += 1
                continue
            }
            if let start = runStart, offset < start + runCount { continue }  // duplicate
            guard flush() else {
                truncated = true
                runStart = nil
                break
            }
            runStart = offset
            runCount = 1
        }
        if runStart != nil && !flush() { truncated = true }
        return (wrote ? text : nil, truncated)
    }

    /// The most offsets ``decode(_:committed:)`` returns: metadata is written by others, so the count it
    /// claims must not decide how much memory is taken. Runs past this many are left out (safe: those
    /// records are handled again).
    static let decodeLimit = 1_000_000

    /// Decodes metadata written by ``encode(committed:completed:limit:)`` for a commit of `committed`.
    ///
    /// Never traps: malformed items, offsets that would overflow and counts above `1_000_000` make the
    /// whole metadata unreadable (`nil`); past ``decodeLimit`` offsets in all, the higher runs are left out.
    ///
    /// - Returns: the completed offsets, or `nil` for metadata this did not write (or cannot read).
    static func decode(_ metadata: String?, committed: Int64, limit: Int = decodeLimit) -> [Int64]? {
        guard let metadata, metadata.hasPrefix(prefix) else { return nil }
        var offsets: [Int64] = []
        var previousEnd = committed
        for item in metadata.utf8.dropFirst(prefix.utf8.count).split(separator: UInt8(ascii: ",")) {
            let parts = item.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
            guard let delta = number(parts[0]), delta >= 1 else { return nil }
            let count = parts.count == 2 ? number(parts[1]) : 1
            guard let count, count >= 1, count <= 1_000_000 else { return nil }
            let (start, startOverflow) = previousEnd.addingReportingOverflow(delta)
            let (end, endOverflow) = start.addingReportingOverflow(count)
            guard !startOverflow, !endOverflow else { return nil }
            let room = limit - offsets.count
            guard room > 0 else { break }
            offsets.append(contentsOf: start..<(start + min(count, Int64(room))))
            previousEnd = end
        }
        return offsets
    }

    /// A decimal number of at most 18 digits (so it fits an `Int64`), or `nil`.
    private static func number(_ digits: Substring.UTF8View) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
