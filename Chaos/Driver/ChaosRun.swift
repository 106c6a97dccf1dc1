import ChaosKit
import Foundation

/// Where the executables and the run's files are.
struct DriverPaths {
    /// The directory of the chaos executables (the driver's own).
    var binaries: String
    /// Where runs keep their logs.
    var output: String
}

/// Runs one plan: broker, processes, producer, schedule, drain, outside view, check.
struct ChaosRun {
    let plan: ChaosPlan
    let paths: DriverPaths
    let index: Int
    /// How long a process sent SIGTERM may take to exit.
    static let drainTimeout = 20.0
    /// How long the drain (all processes running, nothing produced) may take to handle everything.
    static let drainDeadline = 120.0
    /// How long the drain waits without a new log line before it gives up.
    static let stallLimit = 20.0

    func say(_ line: String) { FileHandle.standardError.write(Data("[run \(index)] \(line)\n".utf8)) }

    func run() async throws -> ChaosRunResult {
        let started = ContinuousClock.now
        let directory = paths.output + "/run-\(index)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = directory + "/handled.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw DriverFailure("cannot create the log \(logPath)")
        }
        let topic = "chaos"
        let group = "chaos-group"
        say("\(plan.settings), seed \(plan.seed)\(plan.broken ? ", BROKEN BUILD" : "")")

        let broker = try await BrokerProcess(
            executable: paths.binaries + "/ChaosBroker", brokers: plan.schedule.brokers, topic: topic,
            partitions: plan.partitions, directory: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrapServers
        environment["CHAOS_TOPIC"] = topic
        environment["CHAOS_GROUP"] = group
        environment["CHAOS_LOG"] = logPath
        let members = Members(
            executable: paths.binaries + "/ChaosApp", plan: plan, environment: environment,
            drainTimeout: Self.drainTimeout)
        do {
            let result = try await storm(
                broker: broker, members: members, topic: topic, group: group, directory: directory)
            await broker.stop()
            await members.saveOutputs(to: directory)
            try? Data(broker.process.text.utf8).write(to: URL(fileURLWithPath: directory + "/broker.out"))
            let seconds = Self.seconds(ContinuousClock.now - started)
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let (lines, unreadable) = ChaosLogLine.parse(text)
            let observation = ChaosObservation(
                lines: lines, unreadableLines: unreadable, produced: result.produced, committed: result.committed,
                fates: await members.fates)
            let verdict = ChaosChecker(bound: plan.settings.duplicateBound, drainTimeout: Self.drainTimeout)
                .check(observation)
            for violation in verdict.violations { say("violation: \(violation)") }
            if !verdict.passed {
                let tails = await members.errorTails()
                if !tails.isEmpty { say("stderr of the processes:\n\(tails)") }
            }
            say("done in \(Int(seconds)) s: \(verdict.passed ? "pass" : "FAIL")")
            return ChaosRunResult(
                settings: plan.settings, seed: plan.seed, seconds: seconds, kills: await members.kills,
                terminations: await members.sigterms, joins: await members.joins, outages: plan.schedule.outages,
                verdict: verdict)
        } catch {
            for slot in await members.runningSlots { await members.kill(slot: slot) }
            await broker.stop()
            throw error
        }
    }

    private func storm(
        broker: BrokerProcess, members: Members, topic: String, group: String, directory: String
    ) async throws -> (produced: [Int32: [Int64]], committed: [Int32: Int64?]) {
        for slot in 0..<plan.schedule.slots { try await members.start(slot: slot, initial: true) }
        let producer = try RateProducer(bootstrap: broker.bootstrapServers, topic: topic)
        let schedule = plan.schedule
        let rate = plan.recordsPerSecond
        let producing = Task { try await producer.run(recordsPerSecond: rate, seconds: schedule.duration) }
        let start = ContinuousClock.now
        var down: Set<Int> = []
        for event in schedule.events(seed: plan.seed) {
            try await Task.sleep(until: start + .milliseconds(Int(event.at * 1000)))
            say(event.description)
            switch event.action {
            case .start(let slot): try await members.start(slot: slot)
            case .kill(let slot): await members.kill(slot: slot)
            case .terminate(let slot): await members.terminate(slot: slot)
            case .brokerDown(let id):
                try await broker.control("down \(id)")
                down.insert(id)
            case .brokerUp(let id):
                try await broker.control("up \(id)")
                down.remove(id)
            }
        }
        for id in down.sorted() { try await broker.control("up \(id)") }
        let sent = try await producing.value
        try await producer.finish()
        say("storm over: \(sent) records produced; draining with every slot running")

        // The drain: every slot running until every record was handled. Then the processes stop one at a time, and
        // the last one alone once it holds every partition: librdkafka 2.0.2's mock refuses commits while its group
        // rebalances, so processes stopping together would leave their last commits refused.
        for slot in 0..<schedule.slots { try await members.start(slot: slot) }
        let ends = try await OutsideView.lag(bootstrap: broker.bootstrapServers, group: group, topic: topic)
            .reduce(into: [Int32: Int64]()) { $0[$1.partition] = $1.logEndOffset }
        // Waiting ends early when the log stops growing for `stallLimit` (records lost for good: the check says so).
        let progress = LogProgress(path: directory + "/handled.log")
        let handledAll = await waitFor(seconds: Self.drainDeadline, every: .seconds(1)) {
            allHandled(ends) || progress.stalled(for: Self.stallLimit)
        }
        if !handledAll || !allHandled(ends) {
            say("not every record was handled after the storm (the log stopped growing or the deadline passed)")
        }
        if let last = await members.terminateAllButOne() {
            let everything = Set(ends.keys)
            let settled = await waitFor(seconds: Self.drainDeadline, every: .milliseconds(500)) {
                (ChaosAssignment.partitions(fromOutput: last.text) == everything && allHandled(ends))
                    || progress.stalled(for: Self.stallLimit)
            }
            if !settled { say("the last process did not hold every partition within \(Int(Self.drainDeadline)) s") }
        }
        await members.terminateAll()
        let rows = try await OutsideView.lag(bootstrap: broker.bootstrapServers, group: group, topic: topic)
        let finalEnds = Dictionary(rows.map { ($0.partition, $0.logEndOffset) }, uniquingKeysWith: max)
        let committed = Dictionary(
            rows.map { ($0.partition, $0.currentOffset) }, uniquingKeysWith: { first, _ in first })
        let produced = try await OutsideView.producedOffsets(
            bootstrap: broker.bootstrapServers, topic: topic, ends: finalEnds)
        return (produced, committed)
    }

    /// Whether the log holds every offset below each partition's end.
    private func allHandled(_ ends: [Int32: Int64]) -> Bool {
        let text = (try? String(contentsOfFile: paths.output + "/run-\(index)/handled.log", encoding: .utf8)) ?? ""
        var handled: [Int32: Set<Int64>] = [:]
        for line in ChaosLogLine.parse(text).lines {
            if case .handled(_, let partition, let offset) = line { handled[partition, default: []].insert(offset) }
        }
        return ends.allSatisfy { partition, end in
            let seen = handled[partition] ?? []
            return (0..<end).allSatisfy { seen.contains($0) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Whether a log file stopped growing: its size, seen at each call, unchanged for a while.
final class LogProgress: @unchecked Sendable {
    // Only the driver's run task calls `stalled(for:)`, one call at a time.
    private let path: String
    private var size: UInt64 = 0
    private var since = ContinuousClock.now

    init(path: String) { self.path = path }

    /// Whether the file's size has not changed for `seconds`.
    func stalled(for seconds: Double) -> Bool {
        let current = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
        if current != size {
            size = current
            since = ContinuousClock.now
            return false
        }
        return ChaosRun.seconds(ContinuousClock.now - since) >= seconds
    }
}
