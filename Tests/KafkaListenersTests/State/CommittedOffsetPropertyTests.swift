import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Committable offsets (no broker)", .timeLimit(.minutes(1)))
struct CommittedOffsetPropertyTests {
    @Test(
        "seeded sequences: the offset to commit never passes a delivered record that is not finished",
        arguments: [11, 12, 13, 99] as [UInt64])
    func neverPastAGap(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<200 {
            var progress = PartitionProgress()
            var next: Int64 = Int64.random(in: 0...1_000, using: &random)
            var unfinished: Set<Int64> = []
            var delivered: [Int64] = []
            for _ in 0..<100 {
                switch Int.random(in: 0..<4, using: &random) {
                case 0, 1:
                    next += Int64.random(in: 1...3, using: &random)  // compacted topics skip offsets
                    progress.delivered(next)
                    delivered.append(next)
                    unfinished.insert(next)
                case 2:
                    if let offset = unfinished.randomElement(using: &random) {
                        progress.finished(offset)
                        unfinished.remove(offset)
                    }
                default:
                    if let due = progress.commitDue { progress.didCommit(due) }
                }
                if let due = progress.commitDue ?? progress.committed, let lowest = unfinished.min() {
                    #expect(due <= lowest, "seed \(seed): would commit \(due) past unfinished \(lowest)")
                }
                if unfinished.isEmpty, let last = delivered.last {
                    #expect(
                        (progress.commitDue ?? progress.committed) == last + 1,
                        "seed \(seed): everything finished commits past the last")
                }
            }
        }
    }
}
