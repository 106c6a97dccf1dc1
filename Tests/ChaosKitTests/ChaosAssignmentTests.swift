import ChaosKit
import Testing

@Suite("Chaos assignment: what a process holds, from its event lines", .timeLimit(.minutes(1)))
struct ChaosAssignmentTests {
    @Test("assigned adds, revoked and lost remove, per consumer; other lines are ignored")
    func holds() {
        let output = """
            [1 ms] chaos-app m1 running: record concurrent dynamic eager sync
            [3020 ms] chaos-0: assigned [chaos-1, chaos-4]
            [3022 ms] chaos-1: assigned [chaos-0]
            [4000 ms] chaos-1: commit failed: KafkaError(broker) [REBALANCE_IN_PROGRESS]
            [9023 ms] chaos-1: revoked [chaos-0]
            [9024 ms] chaos-0: lost [chaos-4]
            [14003 ms] chaos-1: assigned [chaos-2, chaos-3]
            """
        #expect(ChaosAssignment.partitions(fromOutput: output) == [1, 2, 3])
        // Hostile text never traps: every cut of the output parses.
        for end in output.indices { _ = ChaosAssignment.partitions(fromOutput: String(output[..<end])) }
        #expect(ChaosAssignment.partitions(fromOutput: "").isEmpty)
        #expect(ChaosAssignment.partitions(fromOutput: "x: assigned ]chaos-1[\n: assigned []\n[2 ms] [x: ]").isEmpty)
    }
}
