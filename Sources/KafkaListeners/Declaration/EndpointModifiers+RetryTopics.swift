extension ListenerDeclaration {
    /// Retries failures through retry topics instead of in place (Spring-Kafka's `@RetryableTopic`): see
    /// ``RetryTopics``. The retry and dead-letter topics are declared, so ``KafkaApplication`` creates them at start.
    public func retryTopics(_ configuration: RetryTopics = RetryTopics()) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.retryTopics = configuration })
    }
}
