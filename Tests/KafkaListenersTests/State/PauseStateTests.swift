import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Pause requests and reconciliation (no broker)", .timeLimit(.minutes(1)))
struct PauseStateTests {
    let t0 = ContinuousClock.now
    let tp0 = TopicPartition("t", 0), tp1 = TopicPartition("t", 1)

    @Test("container and partition pauses are distinct reasons; lifting one, in either order, leaves the other")
    func bothOrders() {
        for containerFirst in [true, false] {
            var requests = PauseRequests()
            let scopes: [PauseScope] = containerFirst ? [.container, .partition(tp0)] : [.partition(tp0), .container]
            for scope in scopes { #expect(requests.pause(scope, until: nil).newlyPaused) }
            #expect(
                requests.reasons(for: tp0).keys.sorted { $0.description < $1.description } == [.container, .partition])
            #expect(requests.reasons(for: tp1).keys.sorted { $0.description < $1.description } == [.container])
            let result1 = requests.resume(.container)
            #expect(result1)
            #expect(
                Array(requests.reasons(for: tp0).keys) == [.partition],
                "resuming the container keeps the partition's pause")
            #expect(requests.reasons(for: tp1).isEmpty)
            _ = requests.pause(.container, until: nil)
            let result2 = requests.resume(.partition(tp0))
            #expect(result2)
            #expect(
                Array(requests.reasons(for: tp0).keys) == [.container],
                "resuming the partition keeps the container's pause")
            let result3 = requests.resume(.partition(tp0))
            #expect(!result3)
        }
    }

    @Test(
        "durations: a longer one extends, a shorter one never shortens, an untimed one makes it last; expiry lifts only what is due"
    )
    func durations() {
        var requests = PauseRequests()
        let first = requests.pause(.partition(tp0), until: t0 + .seconds(60))
        #expect(first == PauseOutcome(newlyPaused: true, resumeAt: t0 + .seconds(60)))
        #expect(
            requests.pause(.partition(tp0), until: t0 + .seconds(1))
                == PauseOutcome(newlyPaused: false, resumeAt: t0 + .seconds(60)))
        #expect(requests.pause(.partition(tp0), until: t0 + .seconds(120)).resumeAt == t0 + .seconds(120))
        _ = requests.pause(.container, until: t0 + .seconds(10))
        #expect(requests.earliestDeadline == t0 + .seconds(10))
        #expect(requests.expire(now: t0 + .seconds(10)) == [.container])
        #expect(requests.isPaused(.partition(tp0)) && !requests.isPaused(.container))
        #expect(requests.pause(.partition(tp0), until: nil) == PauseOutcome(newlyPaused: false, resumeAt: nil))
        #expect(requests.pause(.partition(tp0), until: t0 + .seconds(500)).resumeAt == nil, "untimed stays untimed")
        #expect(requests.expire(now: t0 + .seconds(1_000)).isEmpty)
    }

    @Test("the tracker carries exactly the requested reasons, and no other source's reason is touched")
    func trackerApply() {
        let tracker = OffsetTracker()
        tracker.assigned([tp0, tp1])
        tracker.addPause(tp1, .nack)
        var requests = PauseRequests()
        _ = requests.pause(.partition(tp0), until: t0 + .seconds(5))
        let result4 = tracker.apply(requests)
        #expect(result4)
        #expect(
            tracker.snapshot[tp0]?.pauseReasons == [.partition]
                && tracker.snapshot[tp0]?.resumeAt[.partition] == t0 + .seconds(5))
        let result5 = tracker.apply(requests)
        #expect(!result5, "nothing changed the second time")
        _ = requests.resume(.partition(tp0))
        _ = requests.pause(.container, until: nil)
        let result6 = tracker.apply(requests)
        #expect(result6)
        #expect(tracker.snapshot[tp0]?.pauseReasons == [.container])
        #expect(tracker.snapshot[tp1]?.pauseReasons == [.container, .nack])
        _ = requests.resume(.container)
        tracker.apply(requests)
        #expect(tracker.snapshot[tp1]?.pauseReasons == [.nack], "the nack's reason stays")
    }

    @Test(
        "seeded sequences: after reconciliation a partition is paused exactly when it has a reason",
        arguments: [7, 8, 9, 1234] as [UInt64])
    func reconciliationInvariant(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let partitions = (0..<6).map { TopicPartition("t", Int32($0)) }
        let otherReasons: [PauseReason] = [.nack, .backOff, .backPressure, .throttle, .rebalance, .commitMetadataFull]
        let tracker = OffsetTracker()
        tracker.assigned(partitions)
        var requests = PauseRequests()
        var applied: Set<TopicPartition> = []
        var now = t0
        for step in 0..<2_000 {
            now = now + .milliseconds(Int.random(in: 0...30, using: &random))
            let tp = partitions.randomElement(using: &random)!
            switch Int.random(in: 0..<9, using: &random) {
            case 0:
                _ = requests.pause(
                    .container,
                    until: Bool.random(using: &random)
                        ? nil : now + .milliseconds(Int.random(in: 1...200, using: &random)))
            case 1: _ = requests.resume(.container)
            case 2:
                _ = requests.pause(
                    .partition(tp),
                    until: Bool.random(using: &random)
                        ? nil : now + .milliseconds(Int.random(in: 1...200, using: &random)))
            case 3: _ = requests.resume(.partition(tp))
            case 4:
                tracker.addPause(
                    tp, otherReasons.randomElement(using: &random)!,
                    until: Bool.random(using: &random) ? nil : now + .milliseconds(50))
            case 5: tracker.removePause(tp, otherReasons.randomElement(using: &random)!)
            case 6: tracker.revoked([tp])
            case 7: tracker.assigned([tp])
            default: break
            }
            // One poll boundary, as the container runs it.
            _ = requests.expire(now: now)
            tracker.apply(requests)
            tracker.expirePauses(now: now)
            let reasons = tracker.snapshot.mapValues(\.pauseReasons)
            let plan = PauseReconciliation.plan(reasons: reasons, applied: applied)
            #expect(Set(plan.pause).isDisjoint(with: plan.resume))
            applied = applied.filter { reasons[$0] != nil }.union(plan.pause).subtracting(plan.resume)
            #expect(applied == plan.paused, "seed \(seed) step \(step)")
            for (tp, set) in reasons {
                #expect(
                    applied.contains(tp) == !set.isEmpty,
                    "seed \(seed) step \(step): \(tp) reasons \(set), paused \(applied.contains(tp))")
                #expect(set.contains(.container) == requests.isPaused(.container), "seed \(seed) step \(step)")
                #expect(set.contains(.partition) == requests.isPaused(.partition(tp)), "seed \(seed) step \(step)")
            }
        }
    }
}
