// The chaos driver (see Docs/Reliability.md): runs the chaos broker and chaos app processes through a seeded
// schedule of SIGKILLs, SIGTERMs, joins and broker outages while producing, then checks the at-least-once
// invariants against the broker and prints the table of runs. Exits 1 when an invariant failed.
//
//   ChaosDriver full [--duration SECONDS] [--seed N] [--only INDEX,…]   every ack mode, container, membership
//   ChaosDriver cooperative [--duration SECONDS] [--seed N]  the same with the cooperative-sticky assignor
//   ChaosDriver short [--rotation N] [--seed N]     the CI run: 2 processes, 5 kills, one broker restart
//   ChaosDriver selftest                            the broken build (commit before handling) must fail the check
import ChaosKit
import Foundation
import Logging

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("chaos: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())[...]
let mode = arguments.popFirst() ?? "full"
var duration = 60.0
var seed: UInt64?
var rotation = Int(Date().timeIntervalSince1970 / 86_400)
var only: Set<Int>?
while let argument = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(argument) needs a value") }
    switch argument {
    case "--duration":
        guard let number = Double(value), number >= 5, number <= 3600 else {
            fail("--duration must be 5…3600 seconds, got '\(value)'")
        }
        duration = number
    case "--seed":
        guard let number = UInt64(value) else { fail("--seed must be a non-negative integer, got '\(value)'") }
        seed = number
    case "--rotation":
        guard let number = Int(value) else { fail("--rotation must be an integer, got '\(value)'") }
        rotation = number
    case "--only":
        let indices = value.split(separator: ",").map { Int($0) }
        guard !indices.isEmpty, indices.allSatisfy({ $0 != nil }) else {
            fail("--only takes run numbers, got '\(value)'")
        }
        only = Set(indices.compactMap { $0 })
    default: fail("unknown argument '\(argument)'")
    }
}

let plans: [ChaosPlan]
switch mode {
case "full": plans = ChaosPlans.full(duration: duration, seed: seed ?? 1)
case "cooperative": plans = ChaosPlans.cooperative(duration: duration, seed: seed ?? 1)
case "short": plans = [ChaosPlans.short(rotation: rotation, seed: seed)]
case "selftest": plans = [ChaosPlans.selftest(seed: seed ?? 7)]
default: fail("unknown mode '\(mode)' (full, cooperative, short, selftest)")
}

let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
let binaries = executable.deletingLastPathComponent().path
let output = FileManager.default.currentDirectoryPath + "/.build/chaos/\(mode)"
let paths = DriverPaths(binaries: binaries, output: output)
let started = Date()
var results: [ChaosRunResult] = []
for (index, plan) in plans.enumerated() where only?.contains(index) ?? true {
    let runStarted = Date()
    do {
        results.append(try await ChaosRun(plan: plan, paths: paths, index: index).run())
    } catch {
        // A run that cannot finish (the cluster stopped answering, a process could not start) is a failed row.
        FileHandle.standardError.write(Data("[run \(index)] could not finish: \(error)\n".utf8))
        var verdict = ChaosVerdict()
        verdict.violations = ["could not finish: \(error)"]
        results.append(
            ChaosRunResult(
                settings: plan.settings, seed: plan.seed, seconds: Date().timeIntervalSince(runStarted), kills: 0,
                terminations: 0, joins: 0, outages: plan.schedule.outages, verdict: verdict))
    }
}

let table = ChaosTable.render(results)
let total = Int(Date().timeIntervalSince(started))
var host = utsname()
uname(&host)
let machine = withUnsafeBytes(of: &host.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
let summary = """
    chaos \(mode): \(results.count) run\(results.count == 1 ? "" : "s") in \(total) s, \
    \(ISO8601DateFormatter().string(from: started)), \(ProcessInfo.processInfo.activeProcessorCount) cores \(machine)

    \(table)
    """
print(summary)
try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
try? Data((summary + "\n").utf8).write(to: URL(fileURLWithPath: output + "/table.md"))

let failed = results.filter { !$0.verdict.passed }
if mode == "selftest" {
    // The broken build must be caught: a lost record or a commit ahead of handling.
    let caught = failed.contains { result in
        result.verdict.lost > 0 || result.verdict.violations.contains { $0.contains("ahead of handling") }
    }
    print(caught ? "selftest: the checker caught the broken build" : "selftest: the broken build PASSED the checker")
    exit(caught ? 0 : 1)
}
exit(failed.isEmpty ? 0 : 1)
