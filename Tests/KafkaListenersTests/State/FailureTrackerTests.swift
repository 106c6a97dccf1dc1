import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Failure tracker: the error handler's decisions (no broker)", .timeLimit(.minutes(1)))
struct FailureTrackerTests {
    let t0 = ContinuousClock.now
    let a = TopicPartition("t", 0), b = TopicPartition("t", 1)
    struct Boom: Error {}

    func key(_ tp: TopicPartition, _ offset: Int64) -> RecordKey { RecordKey(tp: tp, offset: offset) }

    @Test("retries with the back-off's waits, counting attempts; then the recoverer; a success forgets the record")
    func retriesThenRecover() {
        var tracker = FailureTracker(scope: .partition, backOff: .fixed(.milliseconds(200), maxAttempts: 3))
        #expect(
            tracker.failed(key(a, 5), error: Boom(), retryable: true, now: t0)
                == .retry(after: .milliseconds(200), attempt: 1))
        #expect(
            tracker.failed(key(a, 5), error: Boom(), retryable: true, now: t0 + .seconds(1))
                == .retry(after: .milliseconds(200), attempt: 2))
        #expect(
            tracker.failed(key(a, 5), error: Boom(), retryable: true, now: t0 + .seconds(2)) == .recover(attempts: 3))
        tracker.recovered(key(a, 5))
        #expect(tracker.isEmpty)
        _ = tracker.failed(key(a, 6), error: Boom(), retryable: true, now: t0)
        tracker.succeeded(key(a, 6))
        #expect(tracker.isEmpty, "a success forgets the failure")
        #expect(
            tracker.failed(key(a, 6), error: Boom(), retryable: true, now: t0)
                == .retry(after: .milliseconds(200), attempt: 1),
            "counting starts afresh after a success")
    }

    @Test("an error the handler does not retry goes to the recoverer at the first failure")
    func notRetryable() {
        var tracker = FailureTracker(scope: .partition, backOff: .fixed(.zero, maxAttempts: 10))
        #expect(tracker.failed(key(a, 0), error: Boom(), retryable: false, now: t0) == .recover(attempts: 1))
    }

    @Test("the back-off sees the time since the first failure, which is an input")
    func elapsedIsAnInput() {
        var tracker = FailureTracker(
            scope: .partition,
            backOff: .exponential(initial: .seconds(1), jitter: 0, maxAttempts: 100, maxElapsed: .seconds(10)))
        #expect(
            tracker.failed(key(a, 0), error: Boom(), retryable: true, now: t0) == .retry(after: .seconds(1), attempt: 1)
        )
        #expect(
            tracker.failed(key(a, 0), error: Boom(), retryable: true, now: t0 + .seconds(3))
                == .retry(after: .seconds(2), attempt: 2))
        #expect(
            tracker.failed(key(a, 0), error: Boom(), retryable: true, now: t0 + .seconds(10)) == .recover(attempts: 3),
            "past maxElapsed since the first failure")
    }

    @Test("a failed recovery: the record stays failing, its next delivery goes to the recoverer, not the listener")
    func recoveryFailed() {
        var tracker = FailureTracker(scope: .partition, backOff: .none, recoveryRetryDelay: .seconds(1))
        #expect(tracker.failed(key(a, 3), error: Boom(), retryable: true, now: t0) == .recover(attempts: 1))
        guard case .invokeListener = tracker.delivering(key(a, 3)) else {
            Issue.record("before the recovery failed, the listener is called")
            return
        }
        #expect(
            tracker.recoveryFailed(key(a, 3), error: Boom(), attempts: 1, now: t0) == .retryRecovery(after: .seconds(1))
        )
        guard case .recover(_, let attempts) = tracker.delivering(key(a, 3)) else {
            Issue.record("after a failed recovery, the next delivery goes to the recoverer")
            return
        }
        #expect(attempts == 1)
        #expect(
            tracker.failed(key(a, 3), error: Boom(), retryable: true, now: t0) == .recover(attempts: 2),
            "a failure after a failed recovery never retries the listener")
        tracker.recovered(key(a, 3))
        guard case .invokeListener = tracker.delivering(key(a, 3)) else {
            Issue.record("once recovered, the record is no longer failing")
            return
        }
        #expect(tracker.isEmpty)
    }

    @Test(
        "sequential scope: one failing record per partition; a failure or success elsewhere in it forgets the old one")
    func partitionScope() {
        var tracker = FailureTracker(scope: .partition, backOff: .fixed(.zero, maxAttempts: 5))
        _ = tracker.failed(key(a, 1), error: Boom(), retryable: true, now: t0)
        _ = tracker.failed(key(b, 1), error: Boom(), retryable: true, now: t0)
        _ = tracker.failed(key(a, 2), error: Boom(), retryable: true, now: t0)
        #expect(tracker.failingRecords == [key(a, 2), key(b, 1)])
        tracker.succeeded(key(b, 7))
        #expect(tracker.failingRecords == [key(a, 2)], "the container moved past b's failed record")
    }

    @Test("record scope: lanes fail on several records of one partition at once, each counted on its own")
    func recordScope() {
        var tracker = FailureTracker(scope: .record, backOff: .fixed(.zero, maxAttempts: 2))
        #expect(tracker.failed(key(a, 1), error: Boom(), retryable: true, now: t0) == .retry(after: .zero, attempt: 1))
        #expect(tracker.failed(key(a, 2), error: Boom(), retryable: true, now: t0) == .retry(after: .zero, attempt: 1))
        #expect(tracker.failed(key(a, 1), error: Boom(), retryable: true, now: t0) == .recover(attempts: 2))
        tracker.succeeded(key(a, 2))
        #expect(tracker.failingRecords == [key(a, 1)])
    }

    @Test("a revoke forgets the partition's failures; the next owner counts afresh")
    func revoke() {
        var tracker = FailureTracker(scope: .record, backOff: .fixed(.zero, maxAttempts: 5))
        _ = tracker.failed(key(a, 1), error: Boom(), retryable: true, now: t0)
        _ = tracker.failed(key(b, 1), error: Boom(), retryable: true, now: t0)
        tracker.revoked([a])
        #expect(tracker.failingRecords == [key(b, 1)])
        #expect(tracker.attempts(of: key(a, 1)) == 0)
    }

    @Test(
        "seeded sequences: attempts only grow while a record fails; retry only while the back-off allows and never after a failed recovery",
        arguments: [3, 5, 8, 13, 2026] as [UInt64])
    func invariants(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let maxAttempts = 4
        for _ in 0..<200 {
            let scope: FailureTracker.Scope = Bool.random(using: &random) ? .partition : .record
            var tracker = FailureTracker(scope: scope, backOff: .fixed(.milliseconds(10), maxAttempts: maxAttempts))
            var recoveryFailed: Set<RecordKey> = []
            var now = t0
            for _ in 0..<100 {
                now = now + .milliseconds(Int.random(in: 0...20, using: &random))
                let k = key(Bool.random(using: &random) ? a : b, Int64.random(in: 0..<4, using: &random))
                let before = tracker.attempts(of: k)
                switch Int.random(in: 0..<6, using: &random) {
                case 0, 1:
                    let retryable = Int.random(in: 0..<5, using: &random) > 0
                    let decision = tracker.failed(k, error: Boom(), retryable: retryable, now: now)
                    #expect(tracker.attempts(of: k) == before + 1, "seed \(seed): a failure counts one attempt")
                    switch decision {
                    case .retry(_, let attempt):
                        #expect(
                            retryable && attempt < maxAttempts && !recoveryFailed.contains(k),
                            "seed \(seed): retry \(attempt) of \(k)")
                    case .recover(let attempts):
                        #expect(
                            !retryable || attempts >= maxAttempts || recoveryFailed.contains(k),
                            "seed \(seed): recover at \(attempts)")
                    case .retryRecovery:
                        Issue.record("seed \(seed): a listener failure never answers retryRecovery")
                    }
                    if scope == .partition { recoveryFailed = recoveryFailed.filter { $0.tp != k.tp || $0 == k } }
                case 2:
                    _ = tracker.recoveryFailed(k, error: Boom(), attempts: max(before, 1), now: now)
                    if scope == .partition { recoveryFailed = recoveryFailed.filter { $0.tp != k.tp } }
                    recoveryFailed.insert(k)
                case 3:
                    tracker.recovered(k)
                    recoveryFailed.remove(k)
                    #expect(tracker.attempts(of: k) == 0)
                case 4:
                    tracker.succeeded(k)
                    recoveryFailed = recoveryFailed.filter { $0 != k && (scope == .record || $0.tp != k.tp) }
                    #expect(tracker.attempts(of: k) == 0)
                default:
                    tracker.revoked([k.tp])
                    recoveryFailed = recoveryFailed.filter { $0.tp != k.tp }
                    #expect(!tracker.failingRecords.contains { $0.tp == k.tp })
                }
                if scope == .partition {
                    let perPartition = Dictionary(grouping: tracker.failingRecords, by: \.tp)
                    #expect(
                        perPartition.values.allSatisfy { $0.count <= 1 },
                        "seed \(seed): at most one failing record per partition")
                }
                for failing in recoveryFailed {
                    guard case .recover = tracker.delivering(failing) else {
                        Issue.record(
                            "seed \(seed): \(failing) failed recovery, yet its delivery would call the listener")
                        continue
                    }
                }
            }
        }
    }
}

@Suite("Batch interruptions and pause bookkeeping (no broker)", .timeLimit(.minutes(1)))
struct BatchInterruptionsTests {
    let t0 = ContinuousClock.now
    let a = TopicPartition("t", 0), b = TopicPartition("t", 1)

    @Test("interruptions last for the poll; give-backs are taken once; a container give-back covers every partition")
    func interruptions() {
        var batch = BatchInterruptions()
        batch.interrupt([a])
        batch.giveBack(b)
        #expect(batch.interrupted == [a])
        #expect(batch.takeGiveBack() == .partitions([b]))
        #expect(batch.takeGiveBack() == .nothing, "a give-back is performed once")
        batch.giveBack(a)
        batch.giveBackAll()
        batch.giveBack(b)
        #expect(batch.takeGiveBack() == .all, "a container give-back is not narrowed by a later partition one")
        #expect(batch.interrupted == [a], "taking give-backs leaves the interruptions for the rest of the poll")
        batch.newPoll()
        #expect(batch.interrupted.isEmpty)
        #expect(batch.takeGiveBack() == .nothing)
    }

    @Test(
        "pause work: a change reconciles with the requests; a timed pause alone only expires; a steady state does nothing"
    )
    func pauseWork() {
        var pauses = ContainerPauses()
        guard case .reconcile(let first?) = pauses.boundary(now: t0).action else {
            Issue.record("a fresh container reconciles at its first boundary")
            return
        }
        #expect(!first.isPaused(.container))
        pauses.reconciled(timedPausesLeft: false)
        guard case .none = pauses.boundary(now: t0).action else {
            Issue.record("nothing changed: no pause work")
            return
        }
        _ = pauses.pause(.partition(a), until: t0 + .seconds(5))
        guard case .reconcile(let requests?) = pauses.boundary(now: t0).action else {
            Issue.record("a request reconciles with the requests")
            return
        }
        #expect(requests.isPaused(.partition(a)))
        pauses.reconciled(timedPausesLeft: true)
        guard case .reconcile(nil) = pauses.boundary(now: t0 + .seconds(1)).action else {
            Issue.record("a timed pause alone: expire and reconcile, without applying requests again")
            return
        }
        pauses.reconciled(timedPausesLeft: true)
        let (action, ended) = pauses.boundary(now: t0 + .seconds(5))
        #expect(ended == [.partition(a)], "the requested pause ends at its deadline")
        guard case .reconcile(let after?) = action else {
            Issue.record("an ended request reconciles with the requests")
            return
        }
        #expect(!after.isPaused(.partition(a)))
    }

    @Test("a change between a boundary and its reconciliation is not lost; a restart keeps only the requests")
    func changeDuringReconcile() {
        var pauses = ContainerPauses()
        _ = pauses.boundary(now: t0)
        pauses.changed()
        pauses.reconciled(timedPausesLeft: false)
        #expect(pauses.pending == .changed)
        _ = pauses.pause(.container, until: nil)
        pauses.applied = [a]
        let fresh = pauses.restarted()
        #expect(fresh.requests.isPaused(.container))
        #expect(fresh.applied.isEmpty)
        #expect(fresh.pending == .changed)
    }
}
