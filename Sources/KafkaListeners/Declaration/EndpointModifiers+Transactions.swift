import KafkaClient

extension ListenerDeclaration {
    /// Runs the listener in Kafka transactions, one per poll (see ``ListenerTransactions``): what it sends through
    /// ``ListenerContext/transactionalSender`` and the offsets of the records it handled commit together.
    ///
    /// - Parameters:
    ///   - transactionalIdPrefix: prepended to each child container's id (`<listener id>-<child index>`) to make
    ///     its producer's `transactional.id`.
    ///   - producerProperties: librdkafka producer properties laid over the registry's base configuration.
    ///   - timeout: how long each blocking transactional call may take.
    public func transactional(
        transactionalIdPrefix: String, producerProperties: [String: String] = [:], timeout: Duration = .seconds(30)
    ) -> ModifiedDeclaration<Self> {
        transactional(
            ListenerTransactions(
                transactionalIdPrefix: transactionalIdPrefix, producerProperties: producerProperties, timeout: timeout))
    }

    /// Runs the listener in Kafka transactions with these settings (see ``ListenerTransactions``).
    public func transactional(_ transactions: ListenerTransactions) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.transactions = transactions })
    }
}
