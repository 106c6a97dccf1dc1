/// Slows one endpoint down while something it shares is loaded (seed 003, done with pauses, not sleeps).
///
/// After each poll's records were handled (a batch listener's batch; a record listener's poll, whose
/// offsets the `batch` and manual ack modes commit together), the container asks `monitor` for the load and
/// `calculator` for a delay; a non-zero delay pauses that container's partitions (pause reason `throttle`)
/// until it has passed. The consumer keeps polling meanwhile, so no rebalance follows however long the
/// throttled time adds up to; nothing sleeps on a poll thread, and there is no pause per record. Only the
/// endpoints that declare a throttle slow down; the current delay is in the container's status and in the
/// `kafka_listener_throttle_delay_seconds` gauge.
public struct Throttle: Sendable {
    /// What is loaded.
    public var monitor: any LoadMonitor
    /// How load becomes delay.
    public var calculator: any DelayCalculator

    /// Creates a throttle; the calculator defaults to the seed's ``QuadraticDelay``.
    public init(monitor: any LoadMonitor, calculator: any DelayCalculator = QuadraticDelay()) {
        self.monitor = monitor
        self.calculator = calculator
    }
}
