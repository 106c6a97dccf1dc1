import Testing

@testable import KafkaListeners

@Suite("Chunk cutoffs: what a running chunk skips after discards", .timeLimit(.minutes(1)))
struct ChunkCutoffsTests {
    @Test("a chunk skips only discards newer than itself; offsets merge to the lowest; a seek skips everything")
    func cutoffs() {
        var cutoffs = ChunkCutoffs()
        let before = cutoffs.generation
        cutoffs.discarded(from: 40)
        let middle = cutoffs.generation
        cutoffs.discarded(from: 25)
        #expect(cutoffs.cutoff(since: before) == .from(25))
        #expect(cutoffs.cutoff(since: middle) == .from(25))
        #expect(cutoffs.cutoff(since: cutoffs.generation) == ChunkCutoffs.Cutoff.none)
        cutoffs.discarded(from: nil)
        #expect(cutoffs.cutoff(since: middle) == .all)
        #expect(ChunkCutoffs.Cutoff.from(25).skips(25) && !ChunkCutoffs.Cutoff.from(25).skips(24))
        #expect(!ChunkCutoffs.Cutoff.none.skips(.max) && ChunkCutoffs.Cutoff.all.skips(.min))
    }

    @Test("trimming keeps what the oldest running chunk needs, and forgets everything when none runs")
    func trim() {
        var cutoffs = ChunkCutoffs()
        cutoffs.discarded(from: 10)
        let oldest = cutoffs.generation
        cutoffs.discarded(from: 5)
        cutoffs.trim(oldestRunning: oldest)
        #expect(cutoffs.cutoff(since: 0) == .from(5), "the discard the oldest chunk already saw is gone")
        cutoffs.trim(oldestRunning: nil)
        #expect(cutoffs.cutoff(since: 0) == ChunkCutoffs.Cutoff.none)
    }
}
