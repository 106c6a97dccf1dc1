import KafkaClient

/// A listener's id, what it consumes and its settings — an endpoint without the listener function.
///
/// Protocol listeners return one from `endpoint`; the builder components (``Listen``, ``ListenBatch``) make
/// one from their arguments. Unset settings keep ``ListenerEndpoint``'s defaults (group id = id,
/// concurrency 1, ack mode `batch`, 500 records per poll, auto-startup on). Everything else (commit mode,
/// consumer properties, idle interval, shutdown timeout…) is set with modifiers on the declaration.
public struct EndpointDescription: Sendable {
    /// The unique listener id.
    public var id: String
    /// What to consume.
    public var selection: TopicSelection
    /// The consumer group (`nil`: the id).
    public var groupId: String?
    /// How many consumers run in the group (`nil`: 1).
    public var concurrency: Int?
    /// When offsets are committed (`nil`: `batch`).
    public var ackMode: AckMode?
    /// Whether the application starts the listener (`nil`: yes).
    public var autoStartup: Bool?

    /// Describes a listener of `topics`.
    public init(
        id: String, topics: [String], groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        autoStartup: Bool? = nil
    ) {
        self.init(
            id: id, selection: .topics(topics), groupId: groupId, concurrency: concurrency, ackMode: ackMode,
            autoStartup: autoStartup)
    }

    /// Describes a listener of `topics`.
    public init(
        id: String, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        autoStartup: Bool? = nil
    ) {
        self.init(
            id: id, selection: .topics(topics), groupId: groupId, concurrency: concurrency, ackMode: ackMode,
            autoStartup: autoStartup)
    }

    /// Describes a listener of every topic matching `pattern` (POSIX extended regular expression).
    public init(
        id: String, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        autoStartup: Bool? = nil
    ) {
        self.init(
            id: id, selection: .pattern(pattern), groupId: groupId, concurrency: concurrency, ackMode: ackMode,
            autoStartup: autoStartup)
    }

    /// Describes a listener with any selection (explicit partitions included).
    public init(
        id: String, selection: TopicSelection, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
        autoStartup: Bool? = nil
    ) {
        self.id = id
        self.selection = selection
        self.groupId = groupId
        self.concurrency = concurrency
        self.ackMode = ackMode
        self.autoStartup = autoStartup
    }

    /// The endpoint running `listener` with these settings.
    public func endpoint(listener: Listener) -> ListenerEndpoint {
        var endpoint = ListenerEndpoint(id: id, selection: selection, listener: listener, groupId: groupId)
        if let concurrency { endpoint.concurrency = concurrency }
        if let ackMode { endpoint.ackMode = ackMode }
        if let autoStartup { endpoint.autoStartup = autoStartup }
        return endpoint
    }
}
