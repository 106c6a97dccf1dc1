import KafkaClient

/// What a listener consumes: topics, a pattern, or explicit partitions.
public enum TopicSelection: Sendable, Hashable, CustomStringConvertible {
    /// Subscribe to these topics as a group member.
    case topics([String])
    /// Subscribe to every topic matching this regular expression (POSIX extended).
    case pattern(String)
    /// Assign these partitions directly (no group rebalancing), starting at the given offsets.
    case partitions([TopicPartitionOffset])

    public var description: String {
        switch self {
        case .topics(let topics): topics.joined(separator: ",")
        case .pattern(let pattern): "/\(pattern)/"
        case .partitions(let partitions): partitions.map(\.description).joined(separator: ",")
        }
    }

    /// Whether a listener with this selection may be assigned `tp` (for a pattern: any topic, as the pattern's
    /// dialect is librdkafka's).
    public func mayInclude(_ tp: TopicPartition) -> Bool {
        switch self {
        case .topics(let topics): topics.contains(tp.topic)
        case .pattern: true
        case .partitions(let partitions): partitions.contains { $0.topicPartition == tp }
        }
    }
}

/// A declared listener and its settings: everything a container needs to run it.
///
/// The endpoint is independent of how it was declared (closure, protocol conformance, builder, macro).
/// Defaults follow Spring-Kafka where it has one: group id = id, concurrency 1, ack mode `batch`,
/// 500 records per poll, auto-startup on.
public struct ListenerEndpoint: Sendable {
    /// The unique listener id; child containers are `<id>-0` … `<id>-(n-1)`.
    public var id: String
    /// What to consume.
    public var selection: TopicSelection
    /// The consumer group; defaults to ``id``.
    public var groupId: String?
    /// How many single containers (consumers) run in the group.
    public var concurrency: Int
    /// When offsets are committed.
    public var ackMode: AckMode
    /// Whether commits wait for the broker (``CommitMode/async`` by default).
    public var commitMode: CommitMode
    /// Poll settings and consumer properties.
    public var consumer: ConsumerSettings
    /// Start, stop, liveness and rebalance settings of the containers.
    public var container: ContainerSettings
    /// Run as a per-partition container: a worker per assigned partition, records handled in parallel as
    /// far as the ordering allows (`nil`: records are handled one at a time by the poll loop).
    public var perPartition: PerPartitionOptions?
    /// What happens when the listener throws: retries with a back-off, then a recoverer.
    public var errorHandler: ErrorHandler
    /// Code around polls, commits and listener calls (after the registry's global interceptors).
    public var interceptors: Interceptors
    /// Slows this endpoint down while a monitored load is high (`nil`: never). Record listeners need ack
    /// mode `batch`, `manual` or `manualImmediate` (a poll's offsets are committed together).
    public var throttle: Throttle?
    /// The listener itself.
    public var listener: Listener

    /// Creates an endpoint.
    public init(
        id: String, selection: TopicSelection, listener: Listener, groupId: String? = nil, concurrency: Int = 1,
        ackMode: AckMode = .batch, commitMode: CommitMode = .async, maxPollRecords: Int = 500,
        pollTimeout: Duration = .milliseconds(100), autoStartup: Bool = true, clientIdPrefix: String? = nil,
        consumerProperties: [String: String] = [:], idleEventInterval: Duration? = nil,
        shutdownTimeout: Duration = .seconds(10), nonResponsiveThreshold: Duration? = nil,
        perPartition: PerPartitionOptions? = nil, errorHandler: ErrorHandler = .default,
        interceptors: Interceptors = .none, throttle: Throttle? = nil, rebalanceListener: RebalanceListener? = nil
    ) {
        self.id = id
        self.selection = selection
        self.listener = listener
        self.groupId = groupId
        self.concurrency = concurrency
        self.ackMode = ackMode
        self.commitMode = commitMode
        self.consumer = ConsumerSettings(
            maxPollRecords: maxPollRecords, pollTimeout: pollTimeout, clientIdPrefix: clientIdPrefix,
            properties: consumerProperties)
        self.container = ContainerSettings(
            autoStartup: autoStartup, shutdownTimeout: shutdownTimeout, idleEventInterval: idleEventInterval,
            nonResponsiveThreshold: nonResponsiveThreshold, rebalanceListener: rebalanceListener)
        self.perPartition = perPartition
        self.errorHandler = errorHandler
        self.interceptors = interceptors
        self.throttle = throttle
    }

    /// The group id in effect.
    public var effectiveGroupId: String { groupId ?? id }

    /// The most records one poll returns (Kafka's `max.poll.records`; ``ConsumerSettings/maxPollRecords``).
    public var maxPollRecords: Int {
        get { consumer.maxPollRecords }
        set { consumer.maxPollRecords = newValue }
    }
    /// How long a poll waits for the first record (``ConsumerSettings/pollTimeout``).
    public var pollTimeout: Duration {
        get { consumer.pollTimeout }
        set { consumer.pollTimeout = newValue }
    }
    /// Prefix of each consumer's `client.id` (`<prefix>-<child index>`); defaults to the id
    /// (``ConsumerSettings/clientIdPrefix``).
    public var clientIdPrefix: String? {
        get { consumer.clientIdPrefix }
        set { consumer.clientIdPrefix = newValue }
    }
    /// Extra consumer properties laid over the registry's base configuration (``ConsumerSettings/properties``).
    public var consumerProperties: [String: String] {
        get { consumer.properties }
        set { consumer.properties = newValue }
    }
    /// Whether the registry starts the container when it starts (``ContainerSettings/autoStartup``).
    public var autoStartup: Bool {
        get { container.autoStartup }
        set { container.autoStartup = newValue }
    }
    /// Emit an idle event when no record arrived for this long (nil: never; ``ContainerSettings/idleEventInterval``).
    public var idleEventInterval: Duration? {
        get { container.idleEventInterval }
        set { container.idleEventInterval = newValue }
    }
    /// How long stop waits for the record in flight before it gives up on it (``ContainerSettings/shutdownTimeout``).
    public var shutdownTimeout: Duration {
        get { container.shutdownTimeout }
        set { container.shutdownTimeout = newValue }
    }
    /// A poll loop that has not come back to poll for this long is reported non-responsive (nil: use the consumer's
    /// `max.poll.interval.ms`; ``ContainerSettings/nonResponsiveThreshold``).
    public var nonResponsiveThreshold: Duration? {
        get { container.nonResponsiveThreshold }
        set { container.nonResponsiveThreshold = newValue }
    }
    /// Run the listener in Kafka transactions, one per poll (`nil`: offsets are committed by the ack mode;
    /// ``ContainerSettings/transactions``).
    public var transactions: ListenerTransactions? {
        get { container.transactions }
        set { container.transactions = newValue }
    }
    /// Callbacks around partition assignment changes (``ContainerSettings/rebalanceListener``).
    public var rebalanceListener: RebalanceListener? {
        get { container.rebalanceListener }
        set { container.rebalanceListener = newValue }
    }

    /// Checks the settings that can be checked without a broker.
    ///
    /// - Throws: ``ListenerError`` naming the setting.
    public func validate() throws {
        func fail(_ reason: String) -> ListenerError { .invalidEndpoint(id: id, reason: reason) }
        if id.allSatisfy(\.isWhitespace) {
            throw ListenerError.invalidEndpoint(id: id, reason: "the listener id is blank")
        }
        try transactions?.validate(self)
        if concurrency < 1 { throw fail("concurrency must be at least 1, got \(concurrency)") }
        if maxPollRecords < 1 { throw fail("maxPollRecords must be at least 1, got \(maxPollRecords)") }
        if let options = perPartition {
            if let max = options.maxConcurrency, max < 1 { throw fail("maxConcurrency must be at least 1, got \(max)") }
            if options.bufferSize < 1 { throw fail("bufferSize must be at least 1, got \(options.bufferSize)") }
        }
        if throttle != nil && !listener.isBatch && ![.batch, .manual, .manualImmediate].contains(ackMode) {
            throw fail("a throttled record listener needs ack mode batch, manual or manualImmediate, got \(ackMode)")
        }
        switch ackMode {
        case .count(let n), .countTime(let n, _): if n < 1 { throw fail("ack count must be at least 1, got \(n)") }
        default: break
        }
        switch selection {
        case .topics(let topics):
            if topics.isEmpty { throw fail("no topics given") }
            for topic in topics {
                do { try TopicName.validate(topic) } catch let error as KafkaError { throw fail(error.message) }
            }
        case .pattern(let pattern):
            if pattern.isEmpty { throw fail("the topic pattern is empty") }
        case .partitions(let partitions):
            if partitions.isEmpty { throw fail("no partitions given") }
            if concurrency > 1 && partitions.count < concurrency {
                throw fail("concurrency \(concurrency) exceeds the \(partitions.count) explicit partitions")
            }
        }
    }
}
