/// What the driver does at one moment of a chaos run.
public enum ChaosAction: Sendable, Hashable, CustomStringConvertible {
    /// Start an application process in this slot (its `group.instance.id` is derived from the slot).
    case start(slot: Int)
    /// Send SIGKILL to the process in this slot.
    case kill(slot: Int)
    /// Send SIGTERM to the process in this slot: it must drain, commit and exit within its drain timeout.
    case terminate(slot: Int)
    /// Take broker `id` down (connections drop, new ones are refused).
    case brokerDown(id: Int)
    /// Bring broker `id` back up.
    case brokerUp(id: Int)

    /// A short text: `kill 1`, `down broker 2`.
    public var description: String {
        switch self {
        case .start(let slot): "start \(slot)"
        case .kill(let slot): "kill \(slot)"
        case .terminate(let slot): "terminate \(slot)"
        case .brokerDown(let id): "down broker \(id)"
        case .brokerUp(let id): "up broker \(id)"
        }
    }
}

/// One scheduled action, `at` seconds after the run started.
public struct ChaosEvent: Sendable, Hashable, CustomStringConvertible {
    /// Seconds after the start of the run.
    public var at: Double
    /// What happens.
    public var action: ChaosAction

    /// Creates an event.
    public init(at: Double, action: ChaosAction) {
        self.at = at
        self.action = action
    }

    /// `12.0 s: kill 1`.
    public var description: String {
        let tenths = Int((at * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s: \(action)"
    }
}

/// A seeded plan of member and broker faults for a chaos run.
///
/// Every `memberInterval` seconds one member leaves or joins (inside `storm`, when given; outside it every
/// `calmInterval` seconds, so the group settles and the faults hit members that hold partitions): with every slot running one leaves, with only
/// `minimumMembers` running one joins, otherwise either, at random. A member that leaves is killed with SIGKILL
/// with probability `killShare`, else sent SIGTERM. `outages` brokers, chosen at random, go down for
/// `outageLength` seconds each, spread evenly over the run. The same parameters and seed give the same plan.
public struct ChaosSchedule: Sendable, Hashable {
    /// How long the storm phase lasts, in seconds.
    public var duration: Double
    /// How many application processes run at most (and at the start); one slot each.
    public var slots: Int
    /// The fewest processes left running.
    public var minimumMembers: Int
    /// Seconds between member events (1 for a rebalance storm).
    public var memberInterval: Double
    /// The seconds of the run in which members come and go every `memberInterval` (`nil`: the whole run).
    public var storm: Range<Double>?
    /// Seconds between member events outside `storm`.
    public var calmInterval: Double
    /// The probability that a leaving member is killed with SIGKILL rather than sent SIGTERM.
    public var killShare: Double
    /// How many brokers the cluster has (ids 1 … n).
    public var brokers: Int
    /// How many broker outages.
    public var outages: Int
    /// How long each outage lasts, in seconds.
    public var outageLength: Double

    /// Creates schedule parameters.
    public init(
        duration: Double, slots: Int, minimumMembers: Int = 1, memberInterval: Double, storm: Range<Double>? = nil,
        calmInterval: Double = 8, killShare: Double, brokers: Int, outages: Int, outageLength: Double
    ) {
        self.duration = duration
        self.slots = slots
        self.minimumMembers = minimumMembers
        self.memberInterval = memberInterval
        self.storm = storm
        self.calmInterval = calmInterval
        self.killShare = killShare
        self.brokers = brokers
        self.outages = outages
        self.outageLength = outageLength
    }

    /// The plan for `seed`, ordered by time (member events before broker events at the same moment).
    public func events(seed: UInt64) -> [ChaosEvent] {
        var random = ChaosRandom(seed: seed)
        var events: [ChaosEvent] = []
        var running = Set(0..<max(slots, 0))
        let floor = min(max(minimumMembers, 0), max(slots, 0))
        if memberInterval > 0 && slots > 0 {
            var time = memberInterval
            while time < duration {
                let leave: Bool
                if running.count <= floor {
                    leave = false
                } else if running.count >= slots {
                    leave = true
                } else {
                    leave = Bool.random(using: &random)
                }
                if leave, let slot = running.sorted().randomElement(using: &random) {
                    running.remove(slot)
                    let kill = Double.random(in: 0..<1, using: &random) < killShare
                    events.append(ChaosEvent(at: time, action: kill ? .kill(slot: slot) : .terminate(slot: slot)))
                } else if let slot = Set(0..<slots).subtracting(running).sorted().randomElement(using: &random) {
                    running.insert(slot)
                    events.append(ChaosEvent(at: time, action: .start(slot: slot)))
                }
                let inStorm = storm.map { $0.contains(time + memberInterval) } ?? true
                var next = time + (inStorm ? memberInterval : max(calmInterval, memberInterval))
                if let storm, time < storm.lowerBound, next > storm.lowerBound { next = storm.lowerBound }
                time = next
            }
        }
        if brokers > 0 && outages > 0 {
            for index in 0..<outages {
                let middle = duration * Double(index + 1) / Double(outages + 1)
                let down = max(0, middle - outageLength / 2)
                let id = Int.random(in: 1...brokers, using: &random)
                events.append(ChaosEvent(at: down, action: .brokerDown(id: id)))
                events.append(ChaosEvent(at: min(down + outageLength, duration), action: .brokerUp(id: id)))
            }
        }
        return events.enumerated().sorted { left, right in
            left.element.at != right.element.at ? left.element.at < right.element.at : left.offset < right.offset
        }.map(\.element)
    }
}
