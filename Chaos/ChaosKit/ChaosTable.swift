/// One finished chaos run: its settings, what the driver did and what the checker found.
public struct ChaosRunResult: Sendable, Hashable {
    /// The run's settings.
    public var settings: ChaosRunSettings
    /// The schedule's seed.
    public var seed: UInt64
    /// Wall-clock seconds, storm and drain.
    public var seconds: Double
    /// Processes killed with SIGKILL.
    public var kills: Int
    /// Processes sent SIGTERM (the final stop of every process included).
    public var terminations: Int
    /// Processes started after the first ones.
    public var joins: Int
    /// Broker outages.
    public var outages: Int
    /// What the checker found.
    public var verdict: ChaosVerdict

    /// Creates a run result.
    public init(
        settings: ChaosRunSettings, seed: UInt64, seconds: Double, kills: Int, terminations: Int, joins: Int,
        outages: Int, verdict: ChaosVerdict
    ) {
        self.settings = settings
        self.seed = seed
        self.seconds = seconds
        self.kills = kills
        self.terminations = terminations
        self.joins = joins
        self.outages = outages
        self.verdict = verdict
    }
}

/// The Markdown table `make chaos` prints (and Docs/Reliability.md shows).
public enum ChaosTable {
    /// The table's header lines.
    public static let header = [
        "| ack mode | container | membership | assignor | commits | seed | s | kills | SIGTERMs | joins | outages "
            + "| records | handled | lost | duplicates | max per handover | bound | result |",
        "| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            + "| ---: | --- |",
    ]

    /// One row.
    public static func row(_ result: ChaosRunResult) -> String {
        let settings = result.settings
        let cells: [String] = [
            "`\(settings.ackMode.label)`", settings.container.rawValue,
            settings.staticMembership ? "static" : "dynamic",
            settings.cooperative ? "cooperative-sticky" : "range (eager)", settings.syncCommits ? "sync" : "async",
            String(result.seed), String(Int(result.seconds.rounded())), String(result.kills),
            String(result.terminations), String(result.joins), String(result.outages),
            String(result.verdict.produced), String(result.verdict.handled), String(result.verdict.lost),
            String(result.verdict.duplicates), String(result.verdict.maxDuplicatesPerHandover),
            settings.duplicateBound.map(String.init) ?? "exact",
            result.verdict.passed ? "pass" : "**FAIL**",
        ]
        return "| " + cells.joined(separator: " | ") + " |"
    }

    /// The whole table.
    public static func render(_ results: [ChaosRunResult]) -> String {
        (header + results.map(row)).joined(separator: "\n")
    }
}
