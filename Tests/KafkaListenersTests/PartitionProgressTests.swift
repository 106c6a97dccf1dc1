import KafkaClient
import Testing

@testable import KafkaListeners

@Suite("Per-partition offset state (no broker)", .timeLimit(.minutes(10)))
struct PartitionProgressTests {
    @Test("out-of-order completions commit only the contiguous prefix")
    func contiguousPrefix() {
        var progress = PartitionProgress()
        for offset in [10, 11, 12, 13] as [Int64] { progress.delivered(offset) }
        #expect(progress.commitDue == nil)
        progress.finished(13)
        #expect(progress.commitDue == nil, "13 alone must not commit")
        progress.finished(10)
        #expect(progress.commitDue == 11)
        progress.finished(12)
        #expect(progress.commitDue == 11, "11 still holds 12 and 13 back")
        progress.finished(11)
        #expect(progress.commitDue == 14)
        progress.didCommit(14)
        #expect(progress.commitDue == nil)
    }

    @Test("gaps in delivered offsets (compaction, transaction markers) do not block commits")
    func offsetGaps() {
        var progress = PartitionProgress()
        for offset in [3, 7, 20] as [Int64] { progress.delivered(offset) }
        progress.finished(3)
        progress.finished(7)
        #expect(progress.commitDue == 8)
        progress.finished(20)
        #expect(progress.commitDue == 21)
    }

    @Test("in-order processing without registration commits through the last offset")
    func finishedThrough() {
        var progress = PartitionProgress()
        progress.finishedThrough(41)
        #expect(progress.commitDue == 42)
        progress.didCommit(42)
        progress.finishedThrough(40)
        #expect(progress.commitDue == nil, "never moves backwards")
    }

    @Test("a seek back forgets unfinished records after it; a logical seek leaves the commit point alone")
    func rewind() {
        var progress = PartitionProgress()
        for offset in 0..<6 as Range<Int64> { progress.delivered(offset) }
        progress.finished(0)
        progress.finished(1)
        progress.rewind(to: 3)
        progress.finished(2)
        #expect(progress.commitDue == 3)
        progress.rewind(to: KafkaOffset.beginning.rawValue)
        #expect(progress.commitDue == 3)
    }

    @Test("a seek forward: records it moved past are forgotten and hold nothing back; finished ones stay")
    func forgetSkipped() {
        var progress = PartitionProgress()
        for offset in 0..<6 as Range<Int64> { progress.delivered(offset) }
        progress.finished(0)
        progress.finished(3)
        #expect(progress.commitDue == 1)
        progress.forget([1, 2, 3, 4, 5])
        #expect(progress.commitDue == 4, "1 and 2 forgotten, 3 was finished: the prefix runs through 3")
        progress.delivered(9)
        progress.finished(9)
        #expect(progress.commitDue == 10, "records after the seek commit past the forgotten ones")
    }

    @Test("duplicate or stale deliveries are ignored")
    func staleDeliveries() {
        var progress = PartitionProgress()
        progress.finishedThrough(9)
        progress.delivered(5)
        progress.delivered(10)
        progress.delivered(10)
        progress.finished(10)
        #expect(progress.commitDue == 11)
    }

    @Test("timed pause reasons expire; untimed ones stay")
    func pauseExpiry() {
        let tracker = OffsetTracker()
        let tp = TopicPartition("t", 0)
        tracker.assigned([tp])
        let now = ContinuousClock.now
        #expect(tracker.addPause(tp, .nack, until: now + .milliseconds(10)))
        #expect(!tracker.addPause(tp, .nack, until: now + .milliseconds(5)), "not a new reason")
        tracker.addPause(tp, .partition)
        #expect(tracker.expirePauses(now: now + .seconds(1)).isEmpty, "still paused for .partition")
        #expect(tracker.pausedPartitions == [tp])
        #expect(tracker.removePause(tp, .partition))
        #expect(tracker.pausedPartitions.isEmpty)
    }
}
