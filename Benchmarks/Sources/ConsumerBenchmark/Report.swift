import Crdkafka
import Foundation

/// The Markdown report printed at the end of a run.
struct Report {
    var options: Options
    var broker: BrokerMode
    var produced: Duration
    var perPartition: [Int]
    var counting: Bool
    var rows: [(round: Int, side: String, measurement: Measurement)]

    var markdown: String {
        let settings = options.sharedConsumerSettings.map { "`\($0.0)=\($0.1)`" }.joined(separator: ", ")
        let queueNote =
            switch options.queueLimits {
            case "large":
                "every side with local-queue limits lifted (\(Options.liftedQueue.map { "`\($0.0)=\($0.1)`" }.joined(separator: ", ")): fetching never stalls on them, and librdkafka prefetches everything)"
            case "framework":
                "raw sides with local-queue limits lifted (\(Options.liftedQueue.map { "`\($0.0)=\($0.1)`" }.joined(separator: ", ")), their fastest), "
                    + "KafkaConsumer and listener containers with the containers' bounded defaults (\(Options.frameworkQueue.map { "`\($0.0)=\($0.1)`" }.joined(separator: ", "))) "
                    + "and their fetcher wake-up"
            default:
                "librdkafka's default local-queue limits on every side (fetching may stall on `queued.min.messages`)"
            }
        let swiftCall =
            switch options.mode {
            case .sessionPerBatch:
                "`consumer.withSession { $0.poll(maxRecords: \(options.batch), timeout: .milliseconds(100)) { record in … } }`, one session (one hop to the consumer's thread and back) per batch"
            case .oneSession:
                "one `consumer.withSession { … }` for the whole run, looping over `poll(maxRecords: \(options.batch), timeout: .milliseconds(100)) { record in … }` on the consumer's thread"
            }
        var lines: [String] = []
        lines.append("## Consumer benchmark: raw librdkafka vs KafkaConsumer vs listener containers")
        lines.append("")
        lines.append(
            "- Data: \(grouped(options.records)) records (\(ConsumerBenchmark.keySize)-byte keys, \(ConsumerBenchmark.valueSize)-byte values), "
                + "1 topic × \(options.partitions) partitions (\(grouped(perPartition.min() ?? 0))…\(grouped(perPartition.max() ?? 0)) records each, "
                + "checked with `rd_kafka_query_watermark_offsets`), \(broker.description); "
                + "produced in \(fixed(produced.inSeconds, 2)) s with `sendAndForget` + `flush`.")
        lines.append(
            "- librdkafka \(String(cString: rd_kafka_version_str())), \(ProcessInfo.processInfo.activeProcessorCount) cores, release build."
        )
        lines.append(
            "- Both sides: a fresh consumer per run, all partitions assigned from offset 0, batches of \(options.batch) via "
                + "`rd_kafka_consume_batch_queue` (take what is queued; if nothing, wait ≤ 100 ms for one, then take the rest); "
                + "key and value length of every record read. Runs alternate raw, Swift, raw, Swift, ….")
        lines.append("- Consumer settings (both sides): \(settings); \(queueNote).")
        lines.append(
            "- Raw sides: C calls on a dedicated thread, every message `rd_kafka_message_destroy`ed after use. *(key, value)* reads only the key and value lengths; *(all fields)* also reads the timestamp and calls `rd_kafka_message_headers`, as a loop that hands complete records on must (in librdkafka 2.0.2 that call allocates even for a record without headers)."
        )
        lines.append(
            "- KafkaConsumer: \(swiftCall); each record is a `ConsumerRecord` whose key and value are copied into one buffer per poll (`KafkaBytes`)."
        )
        lines.append(
            "- Listener sides: a `ListenerRegistry` with one single container assigned every partition explicitly (no group join timed), a no-op listener counting key and value bytes, `maxPollRecords: \(options.batch)`: "
                + ListenerSide.allCases.map { "*\($0.rawValue)*: \($0.listenerCall)" }.joined(separator: "; ")
                + ". Timed from `startAll()` to the last record; the first record is the listener's first call.")
        lines.append(
            "- Peak RSS: the process's `VmHWM` during the run (reset through `/proc/self/clear_refs` before it) minus its `VmRSS` when the run began, so the embedded broker's data is not counted. Heap freed by earlier runs is reused without growing RSS, so a run can read 0."
        )
        lines.append(
            "- Peak heap: glibc's bytes in use (`mallinfo2`: arenas plus mmapped chunks), sampled every 20 ms during the run, minus the value when it began: what the run held at once, the in-process broker's transient allocations included."
        )
        lines.append(
            "- Timed from just before the assignment to the last record (consumer creation and close excluded). *First record*: from the same start to the first record handed on; *steady records/s*: records from the first to the last over that span."
        )
        lines.append(
            counting
                ? "- Allocations: ordo-one malloc-interposer, every `malloc`/`calloc`/`realloc`/`posix_memalign` of the whole process "
                    + "(librdkafka's threads and the in-process mock broker included) over the timed window."
                : "- Allocations: NOT counted (the malloc interposer could not be loaded).")
        lines.append("")
        lines.append(
            "- Consuming CPU: CPU time of the threads that take records from librdkafka and hand them on (the raw loop's thread; the consumer's `kcons-N` thread, where KafkaConsumer's poll and a container's loop and listener run; Swift's pool), per record, from `/proc/self/task/*/stat` (10 ms ticks). Like steady records/s, it does not move when librdkafka 2.0.2 waits ~1 s before its first fetch (here in roughly one run in three, raw loops included)."
        )
        lines.append("")
        lines.append(
            "| Round | Side | Seconds | Records/s | First record (ms) | Steady records/s | Mallocs/record | Bytes allocated/record | Peak RSS growth (MB) | Peak heap growth (MB) | Consuming CPU (ns/record) | librdkafka broker thread CPU (ns/record) |"
        )
        lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows {
            let m = row.measurement
            lines.append(
                "| \(row.round) | \(row.side) | \(fixed(m.elapsed.inSeconds, 3)) | \(grouped(Int(m.recordsPerSecond.rounded()))) | "
                    + "\(fixed(m.firstRecord.inSeconds * 1000, 0)) | \(grouped(Int(m.steadyRecordsPerSecond.rounded()))) | "
                    + "\(counting ? fixed(m.mallocsPerRecord, 2) : "n/a") | \(counting ? fixed(m.bytesPerRecord, 0) : "n/a") | "
                    + "\(fixed(Double(m.peakRSSGrowth) / 1_048_576, 1)) | \(fixed(Double(m.peakHeapGrowth) / 1_048_576, 1)) | "
                    + "\(fixed(m.consumingNanosPerRecord, 0)) | \(fixed(m.cpuNanosPerRecord(["rdk:broker"]), 0)) |")
        }
        lines.append("")

        var sides: [String] = []
        for row in rows where !sides.contains(row.side) { sides.append(row.side) }
        func runs(_ side: String) -> [Measurement] { rows.filter { $0.side == side }.map(\.measurement) }
        let rawMinimal = runs(Side.raw(fullFields: false).name)
        let rawFull = runs(Side.raw(fullFields: true).name)
        let rawSync = runs(Side.rawSyncCommits.name)
        let goals: [String: (rate: Double?, mallocs: Double?)] = [
            "KafkaConsumer": (0.95, 2), "record listener, ack batch": (0.85, 3),
            "batch listener, ack batch": (0.95, nil),
            "record listener, ack batch (async)": (0.85, 3), "batch listener, ack batch (async)": (0.95, nil),
            "record listener, ack record (async)": (0.40, nil),
            "synchronous record listener, ack batch (async)": (0.85, 3),
        ]
        lines.append(
            "*Raw with sync commits* is the all-fields loop committing each batch's next offsets with `rd_kafka_commit(rk, list, 0)` before taking the next batch: the same work and guarantee as a listener with `commitMode: .sync` and `ackMode: .batch`, written by hand. Its ratios matter for the sync-commit sides; the other raw loops commit nothing."
        )
        lines.append("")
        lines.append(
            "Ratios compare steady records/s (first record to last), so a run that waited for librdkafka's first fetch is not counted against its side."
        )
        lines.append("")
        lines.append(
            "| Side | Best steady records/s | Median steady records/s | vs raw (all fields), median | vs raw (key, value), median | Best vs best raw (all fields) | Best vs best raw (key, value) | vs raw with sync commits, median | Best vs best raw with sync commits | Median first record (ms) | Median consuming CPU (ns/record) | Median mallocs/record | Beyond raw (all fields) | Beyond raw (key, value) | Max peak RSS growth (MB) | Max peak heap growth (MB) | Goal |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        /// `value` as a percentage of `baseline`, or a dash when that side did not run.
        func percent(_ value: Double, of baseline: Double?) -> String {
            guard let baseline, baseline > 0 else { return "–" }
            return fixed(value / baseline * 100, 1) + " %"
        }
        func beyond(_ value: Double, _ baseline: [Measurement]) -> String {
            guard counting else { return "n/a" }
            return baseline.isEmpty ? "–" : signed(value - median(baseline.map(\.mallocsPerRecord)), 2)
        }
        let fullRates = rawFull.map(\.steadyRecordsPerSecond)
        let minimalRates = rawMinimal.map(\.steadyRecordsPerSecond)
        let syncRates = rawSync.map(\.steadyRecordsPerSecond)
        for side in sides {
            let measured = runs(side)
            let rates = measured.map(\.steadyRecordsPerSecond)
            let best = rates.max() ?? 0
            let mallocs = median(measured.map(\.mallocsPerRecord))
            var goal = ""
            if let target = goals[side] {
                if let rate = target.rate { goal += "≥ \(Int(rate * 100)) % of raw" }
                if let limit = target.mallocs {
                    goal += (goal.isEmpty ? "" : ", ") + "≤ \(Int(limit)) mallocs/record beyond raw"
                }
            }
            lines.append(
                "| \(side) | \(grouped(Int(best))) | \(grouped(Int(median(rates)))) | "
                    + "\(percent(median(rates), of: fullRates.isEmpty ? nil : median(fullRates))) | "
                    + "\(percent(median(rates), of: minimalRates.isEmpty ? nil : median(minimalRates))) | "
                    + "\(percent(best, of: fullRates.max())) | \(percent(best, of: minimalRates.max())) | "
                    + "\(percent(median(rates), of: syncRates.isEmpty ? nil : median(syncRates))) | \(percent(best, of: syncRates.max())) | "
                    + "\(fixed(median(measured.map { $0.firstRecord.inSeconds * 1000 }), 0)) | "
                    + "\(fixed(median(measured.map(\.consumingNanosPerRecord)), 0)) | \(counting ? fixed(mallocs, 2) : "n/a") | "
                    + "\(beyond(mallocs, rawFull)) | \(beyond(mallocs, rawMinimal)) | "
                    + "\(fixed(Double(measured.map(\.peakRSSGrowth).max() ?? 0) / 1_048_576, 1)) | "
                    + "\(fixed(Double(measured.map(\.peakHeapGrowth).max() ?? 0) / 1_048_576, 1)) | \(goal) |")
        }
        return lines.joined(separator: "\n")
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

func signed(_ value: Double, _ digits: Int) -> String {
    (value >= 0 ? "+" : "") + fixed(value, digits)
}

/// `1234567` as `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}
