import KafkaClient

extension ListenerDeclaration {
    /// How many consumers (single containers) run in the group.
    public func concurrency(_ concurrency: Int) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.concurrency = concurrency })
    }

    /// When offsets are committed.
    public func ackMode(_ ackMode: AckMode) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.ackMode = ackMode })
    }

    /// Whether commits wait for the broker.
    public func commitMode(_ commitMode: CommitMode) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.commitMode = commitMode })
    }

    /// The consumer group (default: the listener id).
    public func groupId(_ groupId: String) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.groupId = groupId })
    }

    /// The most records one poll returns (a batch listener's batch size).
    public func maxPollRecords(_ maxPollRecords: Int) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.maxPollRecords = maxPollRecords })
    }

    /// How long a poll waits for the first record.
    public func pollTimeout(_ pollTimeout: Duration) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.pollTimeout = pollTimeout })
    }

    /// Whether the application starts the listener when it starts (otherwise start it through the registry).
    public func autoStartup(_ autoStartup: Bool) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.autoStartup = autoStartup })
    }

    /// Starts the listener paused: it joins its group and keeps its partitions, but receives nothing
    /// until `registry.resume(id)`.
    public func pausedAtStart(_ paused: Bool = true) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.pausedAtStart = paused })
    }

    /// The prefix of each consumer's `client.id`.
    public func clientIdPrefix(_ prefix: String) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.clientIdPrefix = prefix })
    }

    /// Consumer properties laid over the application's configuration (later modifiers win per key).
    public func consumerProperties(_ properties: [String: String]) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.consumerProperties.merge(properties) { $1 } })
    }

    /// One consumer property laid over the application's configuration.
    public func consumerProperty(_ key: String, _ value: String) -> ModifiedDeclaration<Self> {
        consumerProperties([key: value])
    }

    /// Emits an idle event when no record arrived for `interval`.
    public func idleEventInterval(_ interval: Duration) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.idleEventInterval = interval })
    }

    /// How long stopping waits for the record in flight.
    public func shutdownTimeout(_ timeout: Duration) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.shutdownTimeout = timeout })
    }

    /// After how long without coming back to poll the loop is reported non-responsive.
    public func nonResponsiveThreshold(_ threshold: Duration) -> ModifiedDeclaration<Self> {
        modifier(SettingModifier { $0.endpoint.nonResponsiveThreshold = threshold })
    }
}
