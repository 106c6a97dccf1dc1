/// One planned chaos run: settings, schedule, producer rate and seed.
public struct ChaosPlan: Sendable, Hashable {
    /// The app's settings.
    public var settings: ChaosRunSettings
    /// The storm's faults.
    public var schedule: ChaosSchedule
    /// The schedule's seed.
    public var seed: UInt64
    /// Records produced per second during the storm.
    public var recordsPerSecond: Int
    /// Partitions of the run's topic.
    public var partitions: Int32
    /// Whether the app runs the deliberately broken build (`CHAOS_BROKEN=commit-before-handling`).
    public var broken: Bool

    /// Creates a plan.
    public init(
        settings: ChaosRunSettings, schedule: ChaosSchedule, seed: UInt64, recordsPerSecond: Int = 100,
        partitions: Int32 = 6, broken: Bool = false
    ) {
        self.settings = settings
        self.schedule = schedule
        self.seed = seed
        self.recordsPerSecond = recordsPerSecond
        self.partitions = partitions
        self.broken = broken
    }
}

/// The runs `make chaos`, `make chaos-short` and `make chaos-selftest` make.
public enum ChaosPlans {
    /// The schedule of `make chaos`: 3 processes at most; in the middle third a rebalance storm, one joining or
    /// leaving every second; before and after it one every 8 seconds, so the group settles and the faults hit
    /// members that hold partitions; half the leavers killed with SIGKILL, half sent SIGTERM; two 3-second outages
    /// of one of 3 brokers.
    public static func stormSchedule(duration: Double) -> ChaosSchedule {
        ChaosSchedule(
            duration: duration, slots: 3, minimumMembers: 1, memberInterval: 1,
            storm: (duration / 3)..<(duration * 2 / 3), calmInterval: 8, killShare: 0.5, brokers: 3, outages: 2,
            outageLength: 3)
    }

    /// `make chaos`: every ack mode; concurrent and per-partition (key-ordered) containers; dynamic and static
    /// membership; synchronous commits (where the fixed duplicate bounds hold) and the default asynchronous ones.
    /// All with the default (eager) assignors: cooperative-sticky has runs of its own, ``cooperative(duration:seed:)``.
    public static func full(duration: Double = 60, seed: UInt64 = 1) -> [ChaosPlan] {
        let runs: [ChaosRunSettings] = [
            .init(ackMode: .record, container: .concurrent),
            .init(ackMode: .batch, container: .concurrent, staticMembership: true),
            .init(ackMode: .count, container: .concurrent),
            .init(ackMode: .time, container: .concurrent, staticMembership: true),
            .init(ackMode: .countTime, container: .concurrent),
            .init(ackMode: .manual, container: .concurrent, staticMembership: true),
            .init(ackMode: .manualImmediate, container: .concurrent),
            .init(ackMode: .record, container: .concurrent, syncCommits: false),
            .init(ackMode: .batch, container: .perPartition, syncCommits: false),
            .init(ackMode: .manual, container: .perPartition, staticMembership: true, syncCommits: false),
        ]
        return plans(runs, duration: duration, seed: seed)
    }

    /// `make chaos-cooperative`: the `cooperative-sticky` assignor, with a concurrent and a per-partition container.
    ///
    /// librdkafka 2.0.2 aborts a cooperative-sticky consumer closed before its first assignment (an assertion in
    /// `rd_kafka_sticky_assignor_state_destroy`, fixed in librdkafka 2.3.0), which a rebalance storm provokes; these
    /// runs show it, apart from `make chaos`.
    public static func cooperative(duration: Double = 60, seed: UInt64 = 1) -> [ChaosPlan] {
        plans(
            [
                .init(ackMode: .countTime, container: .concurrent, cooperative: true),
                .init(ackMode: .record, container: .perPartition, cooperative: true, syncCommits: false),
            ], duration: duration, seed: seed &+ 100)
    }

    private static func plans(_ runs: [ChaosRunSettings], duration: Double, seed: UInt64) -> [ChaosPlan] {
        runs.enumerated().map { index, settings in
            ChaosPlan(settings: settings, schedule: stormSchedule(duration: duration), seed: seed &+ UInt64(index))
        }
    }

    /// The short run of `.ci/run`: 2 processes, 5 SIGKILLs (one every 6 s, each followed 6 s later by a
    /// restart), one broker restart; the ack mode rotates with `rotation` (for example the day).
    public static func short(rotation: Int, seed: UInt64? = nil) -> ChaosPlan {
        let modes = ChaosAckMode.allCases
        let index = ((rotation % modes.count) + modes.count) % modes.count
        let schedule = ChaosSchedule(
            duration: 60, slots: 2, minimumMembers: 1, memberInterval: 6, killShare: 1, brokers: 3, outages: 1,
            outageLength: 3)
        return ChaosPlan(
            settings: ChaosRunSettings(ackMode: modes[index], container: .concurrent), schedule: schedule,
            seed: seed ?? UInt64(index + 1))
    }

    /// The self-test: a short run of the deliberately broken build (commit before handling), which the checker
    /// must fail.
    public static func selftest(seed: UInt64 = 7) -> ChaosPlan {
        let schedule = ChaosSchedule(
            duration: 24, slots: 2, minimumMembers: 1, memberInterval: 6, killShare: 1, brokers: 3, outages: 0,
            outageLength: 0)
        return ChaosPlan(
            settings: ChaosRunSettings(ackMode: .record, container: .concurrent), schedule: schedule, seed: seed,
            broken: true)
    }
}
