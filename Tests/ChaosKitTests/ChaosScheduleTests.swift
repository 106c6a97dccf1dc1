import ChaosKit
import Testing

@Suite("Chaos schedule: seeded, consistent, the planned faults", .timeLimit(.minutes(1)))
struct ChaosScheduleTests {
    /// Replays `events` over the slots and returns the SIGKILLs, SIGTERMs and starts, failing on an action that
    /// does not fit the state (a kill of a stopped slot, a start of a running one).
    func replay(_ events: [ChaosEvent], slots: Int) -> (kills: Int, terms: Int, starts: Int, downs: Int) {
        var running = Set(0..<slots)
        var down: Set<Int> = []
        var counts = (kills: 0, terms: 0, starts: 0, downs: 0)
        for event in events {
            switch event.action {
            case .start(let slot):
                #expect(running.insert(slot).inserted, "\(event): slot already running")
                counts.starts += 1
            case .kill(let slot):
                #expect(running.remove(slot) != nil, "\(event): slot not running")
                counts.kills += 1
            case .terminate(let slot):
                #expect(running.remove(slot) != nil, "\(event): slot not running")
                counts.terms += 1
            case .brokerDown(let id):
                #expect(down.insert(id).inserted, "\(event): broker already down")
                counts.downs += 1
            case .brokerUp(let id):
                #expect(down.remove(id) != nil, "\(event): broker not down")
            }
            #expect(!running.isEmpty, "\(event): no member left")
        }
        #expect(down.isEmpty, "brokers left down: \(down)")
        return counts
    }

    @Test("the same seed gives the same plan; another seed another one")
    func seeded() {
        let schedule = ChaosPlans.stormSchedule(duration: 60)
        #expect(schedule.events(seed: 3) == schedule.events(seed: 3))
        #expect(schedule.events(seed: 3) != schedule.events(seed: 4))
    }

    @Test(
        "make chaos: a storm in the middle third (a member joins or leaves every second), calm around it",
        arguments: 1...20)
    func storm(seed: UInt64) {
        let schedule = ChaosPlans.stormSchedule(duration: 60)
        let events = schedule.events(seed: seed)
        #expect(events.map(\.at) == events.map(\.at).sorted())
        #expect(events.allSatisfy { $0.at >= 0 && $0.at <= 60 })
        let counts = replay(events, slots: 3)
        let memberTimes = events.filter {
            if case .brokerDown = $0.action { return false }
            if case .brokerUp = $0.action { return false }
            return true
        }.map(\.at)
        #expect(memberTimes.filter { (20..<40).contains($0) } == (20..<40).map(Double.init), "one a second")
        #expect(memberTimes.filter { $0 < 20 } == [1, 9, 17])
        #expect(memberTimes.filter { $0 >= 40 } == [47, 55])
        #expect(counts.downs == 2)
        #expect(counts.kills > 0 && counts.terms > 0)
    }

    @Test("the short CI run: 2 processes, 5 SIGKILLs, one broker restart, the ack mode rotating")
    func short() {
        var modes: Set<ChaosAckMode> = []
        for rotation in 0..<7 {
            let plan = ChaosPlans.short(rotation: rotation)
            modes.insert(plan.settings.ackMode)
            let counts = replay(plan.schedule.events(seed: plan.seed), slots: 2)
            #expect(counts.kills == 5 && counts.terms == 0 && counts.downs == 1, "\(counts)")
            #expect(plan.schedule.slots == 2)
        }
        #expect(modes == Set(ChaosAckMode.allCases))
        #expect(ChaosPlans.short(rotation: -3).settings.ackMode == ChaosPlans.short(rotation: 4).settings.ackMode)
    }

    @Test("make chaos covers every ack mode, both containers, static membership; cooperative-sticky runs apart")
    func coverage() {
        let plans = ChaosPlans.full()
        #expect(Set(plans.map(\.settings.ackMode)) == Set(ChaosAckMode.allCases))
        #expect(Set(plans.map(\.settings.container)) == Set(ChaosContainer.allCases))
        #expect(Set(plans.map(\.settings.staticMembership)) == [true, false])
        #expect(Set(plans.map(\.settings.cooperative)) == [false])
        #expect(ChaosPlans.cooperative().allSatisfy { $0.settings.cooperative })
        #expect(Set(ChaosPlans.cooperative().map(\.settings.container)) == Set(ChaosContainer.allCases))
        #expect(Set(plans.map(\.settings.syncCommits)) == [true, false])
        #expect(plans.allSatisfy { !$0.broken })
        #expect(ChaosPlans.selftest().broken)
    }
}
