/// How an endpoint's containers start, stop, report, react to rebalances and use transactions (part of ``ListenerEndpoint``, whose
/// same-named properties read and write these).
public struct ContainerSettings: Sendable {
    /// Whether the registry starts the container when it starts.
    public var autoStartup: Bool
    /// How long stop waits for the record in flight before it gives up on it.
    public var shutdownTimeout: Duration
    /// Emit an idle event when no record arrived for this long (nil: never).
    public var idleEventInterval: Duration?
    /// A poll loop that has not come back to poll for this long is reported non-responsive
    /// (nil: use the consumer's `max.poll.interval.ms`).
    public var nonResponsiveThreshold: Duration?
    /// Callbacks around partition assignment changes (nil: none).
    public var rebalanceListener: RebalanceListener?
    /// Run the listener in Kafka transactions, one per poll (`nil`: offsets are committed by the ack mode).
    public var transactions: ListenerTransactions?

    /// Creates container settings.
    ///
    /// - Parameters:
    ///   - autoStartup: Whether the registry starts the container when it starts.
    ///   - shutdownTimeout: How long stop waits for the record in flight.
    ///   - idleEventInterval: Emit an idle event when no record arrived for this long.
    ///   - nonResponsiveThreshold: When a poll loop that has not come back is reported non-responsive.
    ///   - rebalanceListener: Callbacks around partition assignment changes.
    ///   - transactions: Run the listener in Kafka transactions.
    public init(
        autoStartup: Bool = true, shutdownTimeout: Duration = .seconds(10), idleEventInterval: Duration? = nil,
        nonResponsiveThreshold: Duration? = nil, rebalanceListener: RebalanceListener? = nil,
        transactions: ListenerTransactions? = nil
    ) {
        self.autoStartup = autoStartup
        self.shutdownTimeout = shutdownTimeout
        self.idleEventInterval = idleEventInterval
        self.nonResponsiveThreshold = nonResponsiveThreshold
        self.rebalanceListener = rebalanceListener
        self.transactions = transactions
    }
}
