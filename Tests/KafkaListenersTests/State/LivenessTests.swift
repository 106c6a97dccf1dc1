import Testing

@testable import KafkaListeners

@Suite("Liveness: idle and stuck reports (no broker)", .timeLimit(.minutes(3)))
struct LivenessTests {
    let t0 = ContinuousClock.now

    @Test("idle is reported once per episode, after the interval; records arriving start a new episode")
    func idleOncePerEpisode() {
        var live = Liveness(now: t0)
        #expect(live.pollReturnedEmpty(now: t0 + .seconds(1), interval: nil) == nil, "no interval, no report")
        #expect(live.pollReturnedEmpty(now: t0 + .milliseconds(999), interval: .seconds(1)) == nil)
        #expect(live.pollReturnedEmpty(now: t0 + .seconds(2), interval: .seconds(1)) == .seconds(2))
        #expect(live.pollReturnedEmpty(now: t0 + .seconds(9), interval: .seconds(1)) == nil, "once per episode")
        live.recordsArrived(now: t0 + .seconds(10), handling: true)
        live.handlingEnded()
        #expect(live.pollReturnedEmpty(now: t0 + .seconds(11), interval: .seconds(1)) == .seconds(1))
        live.workersProgressed(now: t0 + .seconds(20))
        #expect(live.lastRecordAt == t0 + .seconds(20))
    }

    @Test("a listener stuck past the threshold is reported once; the next batch starts afresh; no report while polling")
    func stuckOncePerEpisode() {
        var live = Liveness(now: t0)
        #expect(
            live.watch(now: t0 + .seconds(100), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil)
                == nil)
        live.recordsArrived(now: t0, handling: true)
        #expect(
            live.watch(now: t0 + .milliseconds(500), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil)
                == nil)
        #expect(
            live.watch(now: t0 + .seconds(2), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil)
                == .seconds(2))
        #expect(
            live.watch(now: t0 + .seconds(3), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil) == nil
        )
        live.handlingEnded()
        live.recordsArrived(now: t0 + .seconds(4), handling: true)
        #expect(
            live.watch(now: t0 + .seconds(6), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil)
                == .seconds(2))
        live.recordsArrived(now: t0 + .seconds(7), handling: false)
        #expect(
            live.watch(now: t0 + .seconds(60), threshold: .seconds(1), perPartition: false, oldestWorkerCall: nil)
                == nil, "records held back: nothing waits for the listener")
    }

    @Test("per-partition: the oldest running call counts, once until no call runs")
    func perPartitionCalls() {
        var live = Liveness(now: t0)
        #expect(
            live.watch(now: t0 + .seconds(5), threshold: .seconds(1), perPartition: true, oldestWorkerCall: t0)
                == .seconds(5))
        #expect(
            live.watch(now: t0 + .seconds(6), threshold: .seconds(1), perPartition: true, oldestWorkerCall: t0) == nil)
        #expect(
            live.watch(now: t0 + .seconds(7), threshold: .seconds(1), perPartition: true, oldestWorkerCall: nil) == nil)
        #expect(
            live.watch(
                now: t0 + .seconds(9), threshold: .seconds(1), perPartition: true, oldestWorkerCall: t0 + .seconds(7))
                == .seconds(2))
    }
}
