import KafkaClient
import Synchronization

/// The backlog of other listeners as a load: throttle a bulk listener while a priority listener has lag.
///
/// The load is the summed lag (log-end offset minus committed offset) of `groups` on their topics, as a
/// percentage of `fullAt` (capped at 100). It asks the brokers through a `KafkaAdmin` at most once per
/// `interval`; a failed lookup keeps the last value.
public final class LagLoadMonitor: LoadMonitor {
    private let admin: KafkaAdmin
    private let groups: [(group: String, topics: [String])]
    private let fullAt: Int64
    private let interval: Duration
    private let state = Mutex<(value: Double, at: ContinuousClock.Instant?)>((0, nil))

    /// Creates a monitor of `groups` (each with the topics it consumes); a summed lag of `fullAt` records is 100 %.
    public init(
        admin: KafkaAdmin, groups: [(group: String, topics: [String])], fullAt: Int64, interval: Duration = .seconds(1)
    ) {
        self.admin = admin
        self.groups = groups
        self.fullAt = max(1, fullAt)
        self.interval = interval
    }

    public func load() async -> Double {
        let now = ContinuousClock.now
        let (value, at) = state.withLock { $0 }
        if let at, now - at < interval { return value }
        var lag: Int64 = 0
        do {
            for (group, topics) in groups {
                let rows = try await admin.groupLag(group: group, topics: topics, timeout: .seconds(5))
                lag = Saturating.add(lag, Saturating.sum(rows.map { $0.lag ?? 0 }))
            }
        } catch {
            return value
        }
        let load = min(100, Double(lag) / Double(fullAt) * 100)
        state.withLock { $0 = (load, now) }
        return load
    }
}
