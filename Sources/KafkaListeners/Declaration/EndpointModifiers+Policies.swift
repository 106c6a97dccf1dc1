import KafkaClient

extension ListenerDeclaration {
    /// Runs the listener as a per-partition container: a worker per assigned partition, records handled in
    /// parallel as far as `ordering` allows, at most `maxConcurrency` at once (see ``PerPartitionOptions``).
    public func perPartition(
        ordering: RecordOrdering = .partition, maxConcurrency: Int? = nil, bufferSize: Int = 10_000,
        persistCompleted: Bool = true
    ) -> ModifiedDeclaration<Self> {
        modifier(
            SettingModifier {
                $0.endpoint.perPartition = PerPartitionOptions(
                    ordering: ordering, maxConcurrency: maxConcurrency, bufferSize: bufferSize,
                    persistCompleted: persistCompleted)
            })
    }

    /// What happens when the listener throws: retries with a back-off, then a recoverer.
    public func errorHandler(_ handler: ErrorHandler) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.errorHandler = handler })
    }

    /// Adds a record interceptor (or a ``RecordFilter``), after those already declared.
    public func interceptor(_ interceptor: some RecordInterceptor) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.interceptors.record.append(interceptor) })
    }

    /// Adds a batch interceptor, after those already declared.
    public func batchInterceptor(_ interceptor: some BatchInterceptor) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.interceptors.batch.append(interceptor) })
    }

    /// Adds a consumer interceptor, after those already declared.
    public func consumerInterceptor(_ interceptor: some ConsumerInterceptor) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.interceptors.consumer.append(interceptor) })
    }

    /// Skips the records `keep` rejects (see ``RecordFilter``).
    public func filter(
        ackDiscarded: Bool = true, _ keep: @escaping @Sendable (ConsumerRecord) -> Bool
    ) -> ModifiedDeclaration<Self> {
        interceptor(RecordFilter(ackDiscarded: ackDiscarded, keep: keep))
    }
}

extension ListenerDeclaration {
    /// Slows this listener down while `monitor` reports a high load (see ``Throttle``); the delay follows
    /// `calculator` (the seed's quadratic curve by default).
    public func throttled(
        by monitor: any LoadMonitor, calculator: any DelayCalculator = QuadraticDelay()
    ) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.throttle = Throttle(monitor: monitor, calculator: calculator) })
    }
}
