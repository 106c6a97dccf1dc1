/// The ack modes a chaos run can use, by the name the chaos app takes on its command line.
public enum ChaosAckMode: String, Sendable, CaseIterable, Hashable {
    case record
    case batch
    case count
    case time
    case countTime
    case manual
    case manualImmediate

    /// The `n` of `count(n)` and `countTime(n, t)` in chaos runs.
    public static let ackCount = 5

    /// The mode as the library spells it.
    public var label: String {
        switch self {
        case .record: "record"
        case .batch: "batch"
        case .count: "count(\(Self.ackCount))"
        case .time: "time(100 ms)"
        case .countTime: "countTime(\(Self.ackCount), 1 s)"
        case .manual: "manual"
        case .manualImmediate: "manualImmediate"
        }
    }

    /// How many records of one partition a handover (a crash, or a rebalance) may hand on again, with
    /// synchronous commits on a healthy cluster (the `.sync` column of the ack-mode table in Docs/Listeners.md;
    /// the app acknowledges every record, so in manual modes "unacknowledged" is the record in flight or the poll).
    /// `nil`: no fixed bound (`time(t)` depends on the rate; the check is then the exact one only).
    public func bound(maxPollRecords: Int) -> Int? {
        switch self {
        case .record, .manualImmediate: 1
        case .batch, .manual: maxPollRecords
        case .count, .countTime: Self.ackCount + maxPollRecords
        case .time: nil
        }
    }
}

/// The container an application process runs its listener in.
public enum ChaosContainer: String, Sendable, CaseIterable, Hashable {
    /// A concurrent container (two consumers in the process), records handled one at a time per consumer.
    case concurrent
    /// A per-partition container with key ordering.
    case perPartition
}

/// The settings of one chaos run.
public struct ChaosRunSettings: Sendable, Hashable, CustomStringConvertible {
    /// The ack mode of the app's listener.
    public var ackMode: ChaosAckMode
    /// The container kind.
    public var container: ChaosContainer
    /// Whether members use `group.instance.id` (static membership).
    public var staticMembership: Bool
    /// Whether members use the `cooperative-sticky` assignor (incremental rebalancing).
    public var cooperative: Bool
    /// Whether commits are synchronous (`.sync`); otherwise the library's default, `.async`.
    public var syncCommits: Bool
    /// `max.poll.records` of the app's listener.
    public var maxPollRecords: Int

    /// Creates run settings.
    public init(
        ackMode: ChaosAckMode, container: ChaosContainer, staticMembership: Bool = false, cooperative: Bool = false,
        syncCommits: Bool = true, maxPollRecords: Int = 20
    ) {
        self.ackMode = ackMode
        self.container = container
        self.staticMembership = staticMembership
        self.cooperative = cooperative
        self.syncCommits = syncCommits
        self.maxPollRecords = maxPollRecords
    }

    /// The duplicate bound per handover that applies to this run (`nil`: only the exact check).
    ///
    /// The fixed bounds hold for a single or concurrent container with synchronous commits. A per-partition
    /// container hands on what its workers had in flight or finished past a gap, and asynchronous commits also
    /// what was handled while the last commit was under way: for those the check is the exact one.
    public var duplicateBound: Int? {
        guard container == .concurrent, syncCommits else { return nil }
        return ackMode.bound(maxPollRecords: maxPollRecords)
    }

    /// The settings as the chaos app's arguments.
    public var appArguments: [String] {
        var arguments = ["--ack-mode", ackMode.rawValue, "--container", container.rawValue]
        arguments += ["--max-poll-records", String(maxPollRecords)]
        if staticMembership { arguments.append("--static") }
        if cooperative { arguments.append("--cooperative") }
        if !syncCommits { arguments.append("--async-commits") }
        return arguments
    }

    /// A short name: `record/concurrent/static/cooperative/sync`.
    public var description: String {
        [
            ackMode.label, container.rawValue, staticMembership ? "static" : "dynamic",
            cooperative ? "cooperative" : "eager", syncCommits ? "sync" : "async",
        ].joined(separator: " ")
    }
}
