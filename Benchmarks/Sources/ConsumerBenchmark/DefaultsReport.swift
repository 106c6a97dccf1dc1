import Crdkafka
import Foundation

/// The Markdown report of the `defaults` side set: listeners with default settings against the raw loops that
/// commit nothing, per broker mode, with every round's rate, the median, the spread and the ≥ 90 % goal.
struct DefaultsReport {
    var options: Options
    var brokers: [BrokerMode]
    var prepared: [BrokerMode: ConsumerBenchmark.Prepared]
    var counting: Bool
    var rows: [Row]
    /// The settings in effect on the default endpoints (nil when none ran).
    var endpoint: DefaultEndpointSettings?

    /// The share of the raw (all fields) loop's median rate each default side must reach.
    static let goal = 0.90
    static let baseline = Side.raw(fullFields: true)

    var markdown: String {
        var lines: [String] = []
        lines.append("## Default settings: listener containers with the library's defaults vs raw librdkafka")
        lines.append("")
        lines.append(
            "- Data: \(grouped(options.records)) records (\(ConsumerBenchmark.keySize)-byte keys, \(ConsumerBenchmark.valueSize)-byte values), "
                + "1 topic × \(options.partitions) partitions, produced onto each broker over its socket with `sendAndForget` + `flush` "
                + "and checked with `rd_kafka_query_watermark_offsets`: "
                + brokers.compactMap { mode in
                    prepared[mode].map {
                        "\(mode.rawValue) \(fixed($0.produced.inSeconds, 2)) s, \(grouped($0.perPartition.min() ?? 0))…\(grouped($0.perPartition.max() ?? 0)) records per partition"
                    }
                }.joined(separator: "; ") + ".")
        lines.append(
            "- Brokers: " + brokers.map { "*\($0.rawValue)*: \($0.description)" }.joined(separator: "; ") + ".")
        lines.append(
            "- librdkafka \(String(cString: rd_kafka_version_str())), \(ProcessInfo.processInfo.activeProcessorCount) cores, release build."
        )
        lines.append(
            "- Order: \(options.rounds) round\(options.rounds == 1 ? "" : "s"); "
                + (brokers.count > 1
                    ? "each round runs on both brokers (in-process first in odd rounds, standalone first in even ones), and on each "
                    : "each round runs ")
                + "the sides in turn: " + options.sides.map(\.name).joined(separator: ", ")
                + ". Every run has a fresh consumer and a fresh consumer group.")
        lines.append(
            "- Default sides: `ListenerEndpoint(id:selection:listener:groupId:)` and nothing else, so every other setting is the library's "
                + "default in this build: " + (endpoint?.summary ?? "(no default side ran)")
                + ". Selection: every partition explicitly from offset 0 (`.partitions`, no group join timed); registry base configuration: "
                + "only `bootstrap.servers`\(options.extraSettings.isEmpty ? "" : " and `BENCH_CONSUMER_PROPS`"), so the containers apply "
                + "their own consumer defaults. A no-op listener counting key and value bytes (`.record { record, _ in … }`, `.batch { records, _ in … }`)."
        )
        let rawSettings = options.consumerSettings(groupId: "", side: Self.baseline).filter { $0.0 != "group.id" }
        lines.append(
            "- Raw sides: C calls on a dedicated thread, no commits, batches of \(options.batch) via `rd_kafka_consume_batch_queue`, "
                + "settings " + rawSettings.map { "`\($0.0)=\($0.1)`" }.joined(separator: ", ")
                + "; *(all fields)* reads key, value, timestamp and headers, *(key, value)* only the key and value lengths."
        )
        lines.append(
            "- Rate: steady records/s, from the first record to the last (start-up, assignment and librdkafka's first fetch not counted). "
                + "Spread: the highest round's rate over the lowest. Ratios: median over median.")
        lines.append("")

        for mode in brokers {
            lines.append(contentsOf: section(mode))
        }

        lines.append("### Every run")
        lines.append("")
        lines.append(
            "| Round | Broker | Side | Seconds | Steady records/s | First record (ms) | Mallocs/record | Consuming CPU (ns/record) |"
        )
        lines.append("|---:|---|---|---:|---:|---:|---:|---:|")
        for row in rows {
            let m = row.measurement
            lines.append(
                "| \(row.round) | \(row.broker.rawValue) | \(row.side.name) | \(fixed(m.elapsed.inSeconds, 3)) | "
                    + "\(grouped(Int(m.steadyRecordsPerSecond.rounded()))) | \(fixed(m.firstRecord.inSeconds * 1000, 0)) | "
                    + "\(counting ? fixed(m.mallocsPerRecord, 2) : "n/a") | \(fixed(m.consumingNanosPerRecord, 0)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The table and goal lines of one broker mode.
    private func section(_ mode: BrokerMode) -> [String] {
        func rates(_ side: Side) -> [Double] {
            rows.filter { $0.broker == mode && $0.side == side }.sorted { $0.round < $1.round }.map(
                \.measurement.steadyRecordsPerSecond)
        }
        let rawFull = median(rates(Self.baseline))
        let rawMinimal = median(rates(.raw(fullFields: false)))
        func percent(_ value: Double, of baseline: Double) -> String {
            baseline > 0 ? fixed(value / baseline * 100, 1) + " %" : "–"
        }
        var lines: [String] = []
        lines.append("### \(mode.rawValue) broker")
        lines.append("")
        let roundHeaders = (1...options.rounds).map { "Round \($0)" }
        lines.append(
            "| Side | " + roundHeaders.joined(separator: " | ")
                + " | Median | Spread (max/min) | Median vs raw (all fields) | Median vs raw (key, value) |")
        lines.append("|---|" + String(repeating: "---:|", count: options.rounds + 4))
        for side in options.sides {
            let measured = rates(side)
            guard !measured.isEmpty else { continue }
            let low = measured.min() ?? 0
            let spread = low > 0 ? fixed((measured.max() ?? 0) / low, 2) : "–"
            let middle = median(measured)
            lines.append(
                "| \(side.name) | " + measured.map { grouped(Int($0.rounded())) }.joined(separator: " | ") + " | "
                    + "\(grouped(Int(middle.rounded()))) | \(spread) | \(percent(middle, of: rawFull)) | \(percent(middle, of: rawMinimal)) |"
            )
        }
        lines.append("")
        for side in options.sides where side.isDefaultListener {
            let middle = median(rates(side))
            guard rawFull > 0, middle > 0 else {
                lines.append("- Goal ≥ \(Int(Self.goal * 100)) % of raw (all fields), \(side.name): not measured.")
                continue
            }
            let ratio = middle / rawFull
            lines.append(
                "- Goal ≥ \(Int(Self.goal * 100)) % of raw (all fields), \(side.name): \(fixed(ratio * 100, 1)) % — "
                    + (ratio >= Self.goal ? "**met**" : "**not met**")
                    + (options.rounds < 3 ? " (fewer than 3 rounds: not conclusive)" : "") + ".")
        }
        lines.append("")
        return lines
    }
}
