import ChaosKit
import Testing

@Suite("Chaos checker: each invariant passes a sound run and fails a broken one", .timeLimit(.minutes(1)))
struct ChaosCheckerTests {
    func handled(_ member: String, _ offsets: ClosedRange<Int64>, partition: Int32 = 0) -> [ChaosLogLine] {
        offsets.map { .handled(member: member, partition: partition, offset: $0) }
    }

    func observe(
        _ lines: [ChaosLogLine], produced: Int64 = 10, committed: Int64? = 10,
        fates: [String: ChaosMemberFate] = [:]
    ) -> ChaosObservation {
        ChaosObservation(
            lines: lines, produced: [0: Array(0..<produced)], committed: [0: committed], fates: fates)
    }

    let checker = ChaosChecker(bound: 5, drainTimeout: 20)
    let clean = ChaosMemberFate.terminated(exitCode: 0, seconds: 2)

    @Test("a sound run passes: everything handled once, committed to the end, SIGTERM drained")
    func sound() {
        let verdict = checker.check(
            observe(
                handled("m1.c", 0...9) + [.committed(member: "m1.c", partition: 0, offset: 10)], fates: ["m1": clean]))
        #expect(verdict.passed, "\(verdict.violations)")
        #expect(verdict.produced == 10 && verdict.handled == 10 && verdict.lost == 0 && verdict.duplicates == 0)
    }

    @Test("a produced record never handled is lost")
    func lost() {
        let verdict = checker.check(observe(handled("m1.c", 0...8), committed: 9))
        #expect(verdict.lost == 1)
        #expect(verdict.violations.contains { $0.contains("never handled") })
        #expect(verdict.violations.contains { $0.contains("not the end 10") })
    }

    @Test("a commit accepted before the records below it were handled is a commit ahead of handling")
    func commitAhead() {
        let lines =
            handled("m1.c", 0...4) + [.committed(member: "m1.c", partition: 0, offset: 8)] + handled("m1.c", 5...9)
        let verdict = checker.check(observe(lines))
        #expect(verdict.violations.contains { $0.contains("ahead of handling") })
        #expect(verdict.lost == 0)
    }

    @Test("a crash hands on what was handled after the last commit: within the bound passes, past it fails")
    func crashBound() {
        let lines =
            handled("m1.c", 0...9) + [.committed(member: "m1.c", partition: 0, offset: 5)] + handled("m2.c", 5...9)
            + [.committed(member: "m2.c", partition: 0, offset: 10)]
        let within = checker.check(observe(lines, fates: ["m1": .killed]))
        #expect(within.passed, "\(within.violations)")
        #expect(within.duplicates == 5 && within.maxDuplicatesPerHandover == 5 && within.handovers == 1)
        let past = ChaosChecker(bound: 4, drainTimeout: 20).check(observe(lines, fates: ["m1": .killed]))
        #expect(past.violations.contains { $0.contains("the ack mode allows 4") })
        let exact = ChaosChecker(bound: nil, drainTimeout: 20).check(observe(lines, fates: ["m1": .killed]))
        #expect(exact.passed)
    }

    @Test("a record below the committed offset handled again fails the exact check, whatever the bound")
    func belowCommitted() {
        let lines =
            handled("m1.c", 0...9) + [.committed(member: "m1.c", partition: 0, offset: 8)] + handled("m2.c", 7...9)
            + [.committed(member: "m2.c", partition: 0, offset: 10)]
        let verdict = ChaosChecker(bound: nil, drainTimeout: 20).check(observe(lines, fates: ["m1": .killed]))
        #expect(verdict.violations.contains { $0.contains("below the committed offset 8") })
    }

    @Test("a member sent SIGTERM must have committed what it handled, unless its commit failed")
    func terminatedHandsOnNothing() {
        let handover = handled("m1.c", 0...9) + [.committed(member: "m1.c", partition: 0, offset: 8)]
        let after = handled("m2.c", 8...9) + [.committed(member: "m2.c", partition: 0, offset: 10)]
        let verdict = checker.check(observe(handover + after, fates: ["m1": clean, "m2": clean]))
        #expect(verdict.violations.contains { $0.contains("was sent SIGTERM") })
        let failed = checker.check(
            observe(
                handover + [.commitFailed(member: "m1.c", partition: 0)] + after, fates: ["m1": clean, "m2": clean]))
        #expect(failed.passed, "\(failed.violations)")
    }

    @Test("a partition moving between two consumers of one process is not its last handover")
    func childrenOfOneProcess() {
        let lines =
            handled("m1.c-0", 0...4) + [.committed(member: "m1.c-0", partition: 0, offset: 3)]
            + handled("m1.c-1", 3...9) + [.committed(member: "m1.c-1", partition: 0, offset: 10)]
        let verdict = checker.check(observe(lines, fates: ["m1": clean]))
        #expect(verdict.violations.isEmpty, "\(verdict.violations)")
        #expect(verdict.duplicates == 2)
    }

    @Test("a partition not committed to its end is left unconsumed")
    func unconsumed() {
        let verdict = checker.check(observe(handled("m1.c", 0...9), committed: 6))
        #expect(verdict.violations.contains { $0.contains("committed 6 at the end") })
        let none = checker.check(observe(handled("m1.c", 0...9), committed: nil))
        #expect(none.violations.contains { $0.contains("committed nothing") })
    }

    @Test("SIGTERM: a non-zero exit, a slow exit and no exit fail")
    func drain() {
        let lines = handled("m1.c", 0...9)
        let fates: [String: ChaosMemberFate] = [
            "m1": .terminated(exitCode: 1, seconds: 1), "m2": .terminated(exitCode: 0, seconds: 25),
            "m3": .terminated(exitCode: nil, seconds: 25),
        ]
        let verdict = checker.check(observe(lines, fates: fates))
        #expect(verdict.violations.contains { $0.contains("m1 exited 1") })
        #expect(verdict.violations.contains { $0.contains("m2 took 25.0 s") })
        #expect(verdict.violations.contains { $0.contains("m3 had not exited") })
    }

    @Test("torn log lines fail the run")
    func tornLines() {
        let observation = ChaosObservation(
            lines: handled("m1.c", 0...9), unreadableLines: 1, produced: [0: Array(0..<10)], committed: [0: 10],
            fates: [:])
        #expect(checker.check(observation).violations.contains { $0.contains("torn") })
    }

    @Test("the table names the settings and the verdict")
    func table() {
        let verdict = checker.check(observe(handled("m1.c", 0...9)))
        let result = ChaosRunResult(
            settings: ChaosRunSettings(ackMode: .count, container: .perPartition, staticMembership: true),
            seed: 3, seconds: 61.4, kills: 5, terminations: 2, joins: 6, outages: 1, verdict: verdict)
        let table = ChaosTable.render([result])
        #expect(
            table.contains("| `count(5)` | perPartition | static | range (eager) | sync | 3 | 61 | 5 | 2 | 6 | 1 |"))
        #expect(table.contains("| 10 | 10 | 0 | 0 | 0 | exact | pass |"))
    }
}

extension ChaosCheckerTests {
    @Test("a member going back to records it handled is a handover of its own, exempt when its commit failed")
    func rewind() {
        let lines =
            handled("m1.c", 0...5) + [.committed(member: "m1.c", partition: 0, offset: 3)] + handled("m1.c", 6...7)
            + handled("m1.c", 3...9) + [.committed(member: "m1.c", partition: 0, offset: 10)]
        let strict = ChaosChecker(bound: 4, drainTimeout: 20)
        let verdict = strict.check(observe(lines, fates: ["m1": .killed]))
        #expect(verdict.handovers == 1 && verdict.duplicates == 5)
        #expect(verdict.violations.contains { $0.contains("5 duplicates after m1.c") }, "\(verdict.violations)")
        let failed = Array(lines[0..<7]) + [.commitFailed(member: "m1.c", partition: 0)] + Array(lines[7...])
        #expect(strict.check(observe(failed, fates: ["m1": .killed])).passed)
    }
}
