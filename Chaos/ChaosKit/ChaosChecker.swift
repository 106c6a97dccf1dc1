/// How an application process of a chaos run ended.
public enum ChaosMemberFate: Sendable, Hashable {
    /// Killed with SIGKILL.
    case killed
    /// Sent SIGTERM; `exitCode` is `nil` when it had not exited after the drain timeout, `seconds` is how long
    /// it took to exit.
    case terminated(exitCode: Int32?, seconds: Double)
}

/// Everything the invariants are checked against: the processes' log and the broker seen from outside.
public struct ChaosObservation: Sendable {
    /// The handled-records log, in file order.
    public var lines: [ChaosLogLine]
    /// Log lines that did not parse (a torn write would show here).
    public var unreadableLines: Int
    /// Per partition, every offset a plain consumer read from the topic after the run.
    public var produced: [Int32: [Int64]]
    /// Per partition, the group's committed offset read from the broker after the run (`nil`: none).
    public var committed: [Int32: Int64?]
    /// How each process ended, by member id.
    public var fates: [String: ChaosMemberFate]

    /// Creates an observation.
    public init(
        lines: [ChaosLogLine], unreadableLines: Int = 0, produced: [Int32: [Int64]], committed: [Int32: Int64?],
        fates: [String: ChaosMemberFate]
    ) {
        self.lines = lines
        self.unreadableLines = unreadableLines
        self.produced = produced
        self.committed = committed
        self.fates = fates
    }
}

/// What the invariant check found.
public struct ChaosVerdict: Sendable, Hashable {
    /// Records the topic holds.
    public var produced = 0
    /// Records handled (log lines, duplicates included).
    public var handled = 0
    /// Produced records never handled.
    public var lost = 0
    /// Records handled more than once (each extra handling counts).
    public var duplicates = 0
    /// Partition handovers seen (a partition handled by another member than before).
    public var handovers = 0
    /// The most records one handover handed on again.
    public var maxDuplicatesPerHandover = 0
    /// Broken invariants, each in a sentence naming what was seen.
    public var violations: [String] = []

    /// Whether every invariant held.
    public var passed: Bool { violations.isEmpty }

    /// Creates an empty verdict (nothing seen, nothing broken).
    public init() {}
}

/// The invariants of a chaos run, checked after it against the log and the broker's view.
///
/// 1. Every produced offset was handled at least once (`lost == 0`).
/// 2. No commit ran ahead of handling: when the broker accepted a commit of offset `c`, every offset of the
///    partition below `c` had already been handled (the log line comes before the commit's); the group's final
///    committed offset is within the handled prefix too.
/// 3. Duplicates: a handover is a partition handled by another member than before, or by the same member going
///    back to records it had handled (revoked and assigned to it again). What a handover hands on again lies at or after the last offset committed before it (exact);
///    and, when `bound` is given, at most `bound` records per handover — unless a commit of the previous owner
///    failed meanwhile (a broker outage), when only the exact check applies.
/// 4. No partition left unconsumed: the final committed offset of every partition is its end.
/// 5. Every process sent SIGTERM exited 0 within its drain timeout, having committed what it handled (the next
///    owner of its partitions handled nothing of it again, unless its final commit failed).
public struct ChaosChecker: Sendable {
    /// The duplicate bound per handover (`nil`: the exact check only).
    public var bound: Int?
    /// How long a process sent SIGTERM may take to exit.
    public var drainTimeout: Double

    /// Creates a checker.
    public init(bound: Int?, drainTimeout: Double) {
        self.bound = bound
        self.drainTimeout = drainTimeout
    }

    /// The process a log line's member belongs to: `m3.listener-1` (a child container of process `m3`) → `m3`.
    public static func process(of member: String) -> String {
        String(member.split(separator: ".", maxSplits: 1).first ?? Substring(member))
    }

    private struct Segment {
        var member: String
        var firstLine: Int
        var lastLine: Int
        var committedAtStart: Int64
        var duplicates: [Int64] = []
        var lastWasDuplicate = false
    }

    /// Checks `observation` and returns what was found.
    public func check(_ observation: ChaosObservation) -> ChaosVerdict {
        var verdict = ChaosVerdict()
        var violations: [String] = []
        if observation.unreadableLines > 0 {
            violations.append("\(observation.unreadableLines) log lines unreadable (a torn write)")
        }
        let low = observation.produced.mapValues { $0.min() ?? 0 }
        var handled: [Int32: Set<Int64>] = [:]
        var prefix: [Int32: Int64] = [:]
        var lastCommitted: [Int32: Int64] = [:]
        var segments: [Int32: [Segment]] = [:]
        var failures: [Int32: [(member: String, line: Int)]] = [:]
        var aheadReported: Set<Int32> = []

        for (index, line) in observation.lines.enumerated() {
            switch line {
            case .handled(let member, let partition, let offset):
                verdict.handled += 1
                var list = segments[partition, default: []]
                let isDuplicate = handled[partition, default: []].contains(offset)
                // A new segment: another member, or the same one going back to records it handled (its partition
                // revoked and assigned to it again, or its position reset), after handling new ones.
                let rewind = isDuplicate && list.last.map { $0.member == member && !$0.lastWasDuplicate } == true
                if list.last?.member != member || rewind {
                    list.append(
                        Segment(
                            member: member, firstLine: index, lastLine: index,
                            committedAtStart: lastCommitted[partition] ?? low[partition] ?? 0))
                }
                handled[partition, default: []].insert(offset)
                if isDuplicate {
                    list[list.count - 1].duplicates.append(offset)
                    verdict.duplicates += 1
                }
                list[list.count - 1].lastWasDuplicate = isDuplicate
                list[list.count - 1].lastLine = index
                segments[partition] = list
                var next = prefix[partition] ?? low[partition] ?? 0
                while handled[partition, default: []].contains(next) { next += 1 }
                prefix[partition] = next
            case .committed(let member, let partition, let offset):
                let through = prefix[partition] ?? low[partition] ?? 0
                if offset > through && !aheadReported.contains(partition) {
                    aheadReported.insert(partition)
                    violations.append(
                        "partition \(partition): \(member) committed \(offset) while only offsets below \(through) "
                            + "were handled (commit ahead of handling)")
                }
                lastCommitted[partition] = max(lastCommitted[partition] ?? 0, offset)
            case .commitFailed(let member, let partition):
                failures[partition, default: []].append((member, index))
            }
        }

        // Handovers.
        for (partition, list) in segments.sorted(by: { $0.key < $1.key }) {
            for (position, segment) in list.enumerated() where position > 0 {
                let previous = list[position - 1]
                verdict.handovers += 1
                verdict.maxDuplicatesPerHandover = max(verdict.maxDuplicatesPerHandover, segment.duplicates.count)
                let early = segment.duplicates.filter { $0 < segment.committedAtStart }
                if !early.isEmpty {
                    violations.append(
                        "partition \(partition): \(segment.member) handled again \(Self.sample(early)) below the "
                            + "committed offset \(segment.committedAtStart) (after \(previous.member))")
                }
                let commitFailed = failures[partition, default: []].contains {
                    $0.member == previous.member && $0.line >= previous.firstLine && $0.line < segment.firstLine
                }
                if commitFailed { continue }
                let previousProcess = Self.process(of: previous.member)
                let lastOfPrevious = !list[position...].contains {
                    Self.process(of: $0.member) == previousProcess
                }
                if case .terminated = observation.fates[previousProcess], lastOfPrevious,
                    !segment.duplicates.isEmpty
                {
                    violations.append(
                        "partition \(partition): \(previous.member) was sent SIGTERM, yet \(segment.member) handled "
                            + "again \(segment.duplicates.count) of its records (\(Self.sample(segment.duplicates)))")
                } else if let bound, segment.duplicates.count > bound {
                    violations.append(
                        "partition \(partition): \(segment.duplicates.count) duplicates after \(previous.member) "
                            + "(\(Self.sample(segment.duplicates))), the ack mode allows \(bound)")
                }
            }
        }

        // The broker's view.
        for (partition, offsets) in observation.produced.sorted(by: { $0.key < $1.key }) {
            verdict.produced += offsets.count
            let seen = handled[partition, default: []]
            let missing = offsets.filter { !seen.contains($0) }
            verdict.lost += missing.count
            if !missing.isEmpty {
                violations.append(
                    "partition \(partition): \(missing.count) records never handled (\(Self.sample(missing)))")
            }
            let end = (offsets.max() ?? -1) + 1
            guard !offsets.isEmpty else { continue }
            guard let committed = observation.committed[partition] ?? nil else {
                violations.append("partition \(partition): the group committed nothing (end \(end))")
                continue
            }
            if committed != end {
                violations.append("partition \(partition): committed \(committed) at the end, not the end \(end)")
            }
            let through = prefix[partition] ?? low[partition] ?? 0
            if committed > through {
                violations.append(
                    "partition \(partition): the final commit \(committed) is ahead of the handled prefix \(through)")
            }
        }

        for (member, fate) in observation.fates.sorted(by: { $0.key < $1.key }) {
            guard case .terminated(let exitCode, let seconds) = fate else { continue }
            if let exitCode {
                if exitCode != 0 { violations.append("\(member) exited \(exitCode) after SIGTERM") }
                if seconds > drainTimeout {
                    violations.append(
                        "\(member) took \(Self.tenths(seconds)) s to exit after SIGTERM (drain timeout "
                            + "\(Self.tenths(drainTimeout)) s)")
                }
            } else {
                violations.append("\(member) had not exited \(Self.tenths(drainTimeout)) s after SIGTERM")
            }
        }
        verdict.violations = violations
        return verdict
    }

    static func sample(_ offsets: [Int64]) -> String {
        let shown = offsets.prefix(5).map(String.init).joined(separator: ", ")
        return offsets.count > 5 ? "offsets \(shown), …" : "offsets \(shown)"
    }

    static func tenths(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
