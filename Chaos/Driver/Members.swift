import ChaosKit
import Foundation
import KafkaListenersTesting

/// The application processes of one run, by slot, and how each one ended.
actor Members {
    private let executable: String
    private let plan: ChaosPlan
    private let environment: [String: String]
    private let drainTimeout: Double
    private var running: [Int: (member: String, process: ChildProcess)] = [:]
    private var sequence = 0
    private var terminations: [Task<Void, Never>] = []
    private(set) var fates: [String: ChaosMemberFate] = [:]
    private(set) var all: [String: ChildProcess] = [:]
    private(set) var kills = 0
    private(set) var sigterms = 0
    private(set) var joins = 0

    init(executable: String, plan: ChaosPlan, environment: [String: String], drainTimeout: Double) {
        self.executable = executable
        self.plan = plan
        self.environment = environment
        self.drainTimeout = drainTimeout
    }

    var runningSlots: [Int] { running.keys.sorted() }

    /// Starts a process in `slot` (a join, unless `initial`).
    func start(slot: Int, initial: Bool = false) throws {
        guard running[slot] == nil else { return }
        sequence += 1
        let member = "m\(sequence)"
        var environment = environment
        environment["CHAOS_MEMBER"] = member
        environment["CHAOS_SLOT"] = String(slot)
        if plan.broken { environment["CHAOS_BROKEN"] = "commit-before-handling" }
        let process = try ChildProcess(
            executable: executable, arguments: plan.settings.appArguments, environment: environment)
        running[slot] = (member, process)
        all[member] = process
        if !initial { joins += 1 }
    }

    /// SIGKILL to the process in `slot`.
    func kill(slot: Int) {
        guard let (member, process) = running.removeValue(forKey: slot) else { return }
        process.send(SIGKILL)
        fates[member] = .killed
        kills += 1
    }

    /// SIGTERM to the process in `slot`; its exit is watched in the background (see ``settle()``).
    func terminate(slot: Int) {
        guard let (member, process) = running.removeValue(forKey: slot) else { return }
        sigterms += 1
        let sent = ContinuousClock.now
        process.send(SIGTERM)
        let limit = drainTimeout
        terminations.append(
            Task {
                let exited = await waitFor(seconds: limit + 5) { process.exitCode != nil }
                let elapsed = ContinuousClock.now - sent
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                await self.record(member, .terminated(exitCode: exited ? process.exitCode : nil, seconds: seconds))
                if !exited { process.send(SIGKILL) }
            })
    }

    private func record(_ member: String, _ fate: ChaosMemberFate) { fates[member] = fate }

    /// SIGTERM to every running process but the last, one at a time, each awaited; returns the one left.
    func terminateAllButOne() async -> ChildProcess? {
        for slot in runningSlots.dropLast() {
            terminate(slot: slot)
            await settle()
        }
        return runningSlots.last.flatMap { running[$0]?.process }
    }

    /// SIGTERM to every running process, then waits for every watched exit.
    func terminateAll() async {
        for slot in runningSlots { terminate(slot: slot) }
        await settle()
    }

    /// Waits until every process sent SIGTERM exited or was given up on.
    func settle() async {
        let pending = terminations
        terminations = []
        for task in pending { await task.value }
    }

    /// Writes each process's stdout and stderr to `directory`/`<member>.out` and `.err`.
    func saveOutputs(to directory: String) {
        for (member, process) in all {
            try? Data(process.text.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(member).out"))
            try? Data(process.errorText.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(member).err"))
        }
    }

    /// The last lines each process wrote to stderr, for a failure report.
    func errorTails() -> String {
        all.sorted { $0.key < $1.key }.compactMap { member, process in
            let text = process.errorText.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : "\(member): " + text.split(separator: "\n").suffix(3).joined(separator: " / ")
        }.joined(separator: "\n")
    }
}
