import KafkaClient

extension ListenerDeclaration {
    /// Callbacks around partition assignment changes (Spring-Kafka's `ConsumerAwareRebalanceListener`); see
    /// ``RebalanceListener`` for when each runs and what it may do.
    public func rebalanceListener(_ listener: RebalanceListener) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.rebalanceListener = listener })
    }

    /// Runs `callback` with newly assigned partitions before any of their records is delivered; seeks it asks for
    /// (``RebalanceContext/seek(_:to:)``) apply before the first record (Spring-Kafka's
    /// `ConsumerSeekAware.onPartitionsAssigned`). Replaces an earlier `assigned` callback of this declaration.
    public func onPartitionsAssigned(
        _ callback: @escaping @Sendable (borrowing RebalanceContext) -> Void
    ) -> ModifiedDeclaration<Self> {
        updatingRebalanceListener { $0.assigned = callback }
    }

    /// Runs `callback` with revoked partitions after the offsets of what was handled in them were committed.
    /// Replaces an earlier `revoked` callback of this declaration.
    public func onPartitionsRevoked(
        _ callback: @escaping @Sendable (borrowing RebalanceContext) -> Void
    ) -> ModifiedDeclaration<Self> {
        updatingRebalanceListener { $0.revoked = callback }
    }

    /// Runs `callback` with partitions lost without a revoke (nothing could be committed for them). Replaces an
    /// earlier `lost` callback of this declaration.
    public func onPartitionsLost(
        _ callback: @escaping @Sendable (borrowing RebalanceContext) -> Void
    ) -> ModifiedDeclaration<Self> {
        updatingRebalanceListener { $0.lost = callback }
    }

    /// Changes one callback of this declaration's rebalance listener (creating one with no-op callbacks first).
    private func updatingRebalanceListener(
        _ change: @escaping @Sendable (inout RebalanceListener) -> Void
    ) -> ModifiedDeclaration<Self> {
        modifier(
            SettingModifier {
                var listener = $0.endpoint.rebalanceListener ?? RebalanceListener()
                change(&listener)
                $0.endpoint.rebalanceListener = listener
            })
    }
}
