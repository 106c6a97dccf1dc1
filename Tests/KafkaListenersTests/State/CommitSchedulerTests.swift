import KafkaListenersTesting
import Testing

@testable import KafkaListeners

/// The commit scheduler alone: events in, actions out, time as an input. No broker, no clock, no sleeps.
@Suite("Commit scheduler (no broker)", .timeLimit(.minutes(1)))
struct CommitSchedulerTests {
    let t0 = ContinuousClock.now

    func scheduler(_ ackMode: AckMode, _ commitMode: CommitMode = .async) -> CommitScheduler {
        CommitScheduler(ackMode: ackMode, commitMode: commitMode, now: t0)
    }

    @Test("record, batch and the manual modes commit at every boundary; sync overlaps, async claims the one in flight")
    func everyBoundary() {
        for mode in [AckMode.record, .batch, .manual, .manualImmediate] {
            var sync = scheduler(mode, .sync)
            #expect(sync.boundary(now: t0) == .commitOverlapped, "\(mode)")
            #expect(sync.boundary(now: t0) == .commitOverlapped, "sync commits are waited for: no claim to hold")
            var async = scheduler(mode, .async)
            #expect(async.boundary(now: t0) == .commitAsync, "\(mode)")
            #expect(async.boundary(now: t0) == .none, "one in flight: the next is asked for again")
            #expect(async.flight == .asyncInFlight(again: true))
        }
    }

    @Test("time(t) commits once t passed since the last commit; count(n) once n were processed; countTime at either")
    func timeAndCount() {
        var time = scheduler(.time(.seconds(1)), .sync)
        #expect(time.boundary(now: t0 + .milliseconds(999)) == .none)
        #expect(time.boundary(now: t0 + .seconds(1)) == .commitOverlapped)
        _ = time.committed(now: t0 + .seconds(1))
        #expect(time.boundary(now: t0 + .milliseconds(1500)) == .none, "the interval restarts at the commit")

        var count = scheduler(.count(5), .sync)
        count.processed(4)
        #expect(count.boundary(now: t0 + .seconds(100)) == .none, "time does not count in count(n)")
        count.processed(1)
        #expect(count.boundary(now: t0) == .commitOverlapped)
        _ = count.committed(now: t0)
        #expect(count.processedSinceCommit == 0)

        var both = scheduler(.countTime(5, .seconds(1)), .sync)
        #expect(both.boundary(now: t0) == .none)
        #expect(both.boundary(now: t0 + .seconds(1)) == .commitOverlapped, "the time comes first")
        _ = both.committed(now: t0 + .seconds(1))
        both.processed(5)
        #expect(both.boundary(now: t0 + .seconds(1)) == .commitOverlapped, "the count comes first")
        both.processed(.max)
        both.processed(.max)
        #expect(both.processedSinceCommit == .max, "the count saturates")
    }

    @Test("async commits coalesce: one in flight; asked again meanwhile, the completion queues one more")
    func asyncCoalescing() {
        var s = scheduler(.record)
        #expect(s.recordFinished(now: t0, worker: false) == .queueAsyncCommit)
        #expect(s.recordFinished(now: t0, worker: false) == .none, "one job queued is enough")
        let runs = s.asyncJobRuns(now: t0)
        #expect(runs && s.flight == .asyncInFlight(again: false))
        #expect(s.recordFinished(now: t0, worker: true) == .none)
        _ = s.committed(now: t0)
        let result1 = s.asyncCommitCompleted(now: t0)
        #expect(result1, "asked for again: queue the next")
        #expect(s.flight == .asyncQueued)
        let runs2 = s.asyncJobRuns(now: t0)
        #expect(runs2)
        _ = s.committed(now: t0)
        let result2 = s.asyncCommitCompleted(now: t0)
        #expect(!result2, "nothing asked meanwhile")
        #expect(s.flight == .idle)
        #expect(s.boundary(now: t0) == .commitAsync)
        s.asyncSendSkipped()
        #expect(s.flight == .idle, "nothing was due: the claim is released")
    }

    @Test(
        "a queued job that waits long stalls nothing: the next boundary sends the commit, and the late job does nothing"
    )
    func starvedJob() {
        var s = scheduler(.record)
        #expect(s.recordFinished(now: t0, worker: true) == .queueAsyncCommit)
        #expect(s.boundary(now: t0) == .commitAsync, "the boundary does not wait for the job")
        let late = s.asyncJobRuns(now: t0)
        #expect(!late)
        #expect(s.flight == .asyncInFlight(again: false))
        #expect(s.recordFinished(now: t0, worker: true) == .none)
        _ = s.committed(now: t0)
        let completed = s.asyncCommitCompleted(now: t0)
        #expect(completed)
        #expect(s.boundary(now: t0) == .commitAsync, "the queued job may starve: the boundary sends")
    }

    @Test("record mode with sync commits: the loop commits at once; workers queue one commit at a time")
    func recordSync() {
        var s = scheduler(.record, .sync)
        #expect(s.recordFinished(now: t0, worker: false) == .commitSync)
        #expect(s.recordFinished(now: t0, worker: true) == .queueSyncCommit)
        #expect(s.recordFinished(now: t0, worker: true) == .none, "one queued carries the newest offsets")
        let result3 = s.queuedSyncCommitRuns(now: t0)
        #expect(result3)
        #expect(s.recordFinished(now: t0, worker: true) == .queueSyncCommit)
    }

    @Test(
        "a refused commit backs off 100 ms, doubling to 5 s; nothing is tried meanwhile; a commit that goes through resets it"
    )
    func refusedThenAccepted() {
        var s = scheduler(.batch, .sync)
        var now = t0
        var delays: [Duration] = []
        for _ in 0..<10 {
            guard case .backOff(let delay) = s.refused(rebalancing: false, now: now) else {
                Issue.record("not a back-off")
                return
            }
            delays.append(delay)
            #expect(s.boundary(now: now + delay - .milliseconds(1)) == .none, "during the back-off")
            #expect(s.recordFinished(now: now, worker: false) == .none)
            now = now + delay
            #expect(s.boundary(now: now) == .commitOverlapped, "after the back-off")
        }
        #expect(
            delays.prefix(7) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                .milliseconds(3200), .seconds(5),
            ])
        #expect(delays.allSatisfy { $0 <= .seconds(5) })
        _ = s.committed(now: now)
        #expect(s.refusals == .none)
        #expect(s.refused(rebalancing: false, now: now) == .backOff(.milliseconds(100)), "reset by the commit")
    }

    @Test("async: a completion during a back-off sends nothing; the first boundary after it does")
    func asyncBackOff() {
        var s = scheduler(.batch)
        #expect(s.boundary(now: t0) == .commitAsync)
        #expect(s.boundary(now: t0) == .none)
        #expect(s.refused(rebalancing: false, now: t0) == .backOff(.milliseconds(100)))
        let result4 = s.asyncCommitCompleted(now: t0 + .milliseconds(50))
        #expect(!result4)
        #expect(s.flight == .idle)
        #expect(s.boundary(now: t0 + .milliseconds(99)) == .none)
        #expect(s.boundary(now: t0 + .milliseconds(100)) == .commitAsync)
    }

    @Test(
        "a rebalance refusal holds records back: first refusal warns, the rest do not; the hold ends by rebalance, commit or time"
    )
    func rebalanceHold() {
        var s = scheduler(.record, .sync)
        #expect(s.refused(rebalancing: true, now: t0) == .hold(first: true))
        #expect(s.refused(rebalancing: true, now: t0) == .hold(first: false))
        #expect(s.isHeld)
        #expect(s.recordFinished(now: t0, worker: false) == .none, "nothing is committed while held")
        let result5 = s.rebalanced()
        #expect(result5)
        let again = s.rebalanced()
        #expect(!s.isHeld && !again)

        _ = s.refused(rebalancing: true, now: t0)
        let result6 = s.committed(now: t0)
        #expect(result6, "a commit that goes through ends the hold")
        #expect(!s.isHeld)

        _ = s.refused(rebalancing: true, now: t0)
        s.heldBack(until: t0 + .seconds(6))
        _ = s.boundary(now: t0 + .seconds(5))
        #expect(s.isHeld)
        _ = s.boundary(now: t0 + .seconds(6))
        #expect(!s.isHeld, "a hold for a rebalance that never came ends on its own")
    }

    @Test("seeded random event sequences keep the scheduler's invariants", arguments: [1, 2, 3, 42, 2026] as [UInt64])
    func invariants(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let modes: [AckMode] = [
            .record, .batch, .time(.milliseconds(50)), .count(3), .countTime(3, .milliseconds(50)), .manual,
            .manualImmediate,
        ]
        for _ in 0..<200 {
            let mode = modes.randomElement(using: &random)!
            let commitMode: CommitMode = Bool.random(using: &random) ? .sync : .async
            var s = CommitScheduler(ackMode: mode, commitMode: commitMode, now: t0)
            var now = t0
            var lastDelay = Duration.zero
            var inFlight = false  // an async commit was sent and has not completed
            var queued = false  // a job that may send one waits for the consumer's thread
            for _ in 0..<100 {
                now = now + .milliseconds(Int.random(in: 0...40, using: &random))
                switch Int.random(in: 0..<9, using: &random) {
                case 0:
                    let quiet = !inFlight && !s.isBackingOff(at: now) && s.isDue(at: now)
                    let action = s.boundary(now: now)
                    if commitMode == .async && quiet {
                        #expect(
                            action == .commitAsync,
                            "seed \(seed): nothing in flight, due, not backing off, yet \(action)")
                    }
                    if action == .commitAsync {
                        #expect(!inFlight, "seed \(seed): a second async commit while one is in flight")
                        inFlight = true
                    }
                    #expect(commitMode == .sync || action != .commitOverlapped)
                    if action != .none { #expect(!s.isBackingOff(at: now)) }
                case 1:
                    let action = s.recordFinished(now: now, worker: Bool.random(using: &random))
                    if action == .queueAsyncCommit { queued = true }
                    if action != .none { #expect(!s.isHeld && !s.isBackingOff(at: now)) }
                case 2:
                    if queued {
                        queued = false
                        if s.asyncJobRuns(now: now) {
                            #expect(!inFlight, "seed \(seed): a job sent a second async commit")
                            inFlight = true
                        }
                    }
                case 3:
                    if inFlight {
                        _ = s.committed(now: now)
                        inFlight = false
                        if s.asyncCommitCompleted(now: now) { queued = true }
                    }
                case 4:
                    // Consecutive refusals back off longer each time; a commit or a rebalance hold starts afresh.
                    if case .backingOff = s.refusals {} else { lastDelay = .zero }
                    if case .backOff(let delay) = s.refused(rebalancing: false, now: now) {
                        #expect(
                            delay >= lastDelay && delay <= .seconds(5),
                            "seed \(seed): back-off \(delay) after \(lastDelay)")
                        lastDelay = delay
                    }
                    if inFlight {
                        inFlight = false
                        if s.asyncCommitCompleted(now: now) { queued = true }
                    }
                case 5:
                    _ = s.refused(rebalancing: true, now: now)
                    #expect(s.isHeld)
                case 6: _ = s.rebalanced()
                case 7: s.processed(Int.random(in: 0...5, using: &random))
                default:
                    if inFlight, Bool.random(using: &random) {
                        s.asyncSendSkipped()  // the claimed commit had nothing due
                        inFlight = false
                    }
                }
                if case .asyncInFlight = s.flight { #expect(inFlight, "seed \(seed): in flight without a commit sent") }
                if inFlight {
                    #expect(
                        s.flight == .asyncInFlight(again: false) || s.flight == .asyncInFlight(again: true),
                        "seed \(seed): \(s.flight)")
                }
            }
        }
    }
}
