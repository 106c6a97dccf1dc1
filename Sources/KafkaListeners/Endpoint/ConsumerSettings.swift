/// How an endpoint's consumers fetch: Kafka's poll settings and the consumer properties (part of
/// ``ListenerEndpoint``, whose same-named properties read and write these).
public struct ConsumerSettings: Sendable {
    /// The most records one poll returns (Kafka's `max.poll.records`).
    public var maxPollRecords: Int
    /// How long a poll waits for the first record.
    public var pollTimeout: Duration
    /// Prefix of each consumer's `client.id` (`<prefix>-<child index>`); defaults to the listener id.
    public var clientIdPrefix: String?
    /// Extra consumer properties laid over the registry's base configuration.
    public var properties: [String: String]

    /// Creates consumer settings; the defaults are Spring-Kafka's (500 records per poll).
    ///
    /// - Parameters:
    ///   - maxPollRecords: The most records one poll returns.
    ///   - pollTimeout: How long a poll waits for the first record.
    ///   - clientIdPrefix: Prefix of each consumer's `client.id`.
    ///   - properties: Extra consumer properties.
    public init(
        maxPollRecords: Int = 500, pollTimeout: Duration = .milliseconds(100), clientIdPrefix: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.maxPollRecords = maxPollRecords
        self.pollTimeout = pollTimeout
        self.clientIdPrefix = clientIdPrefix
        self.properties = properties
    }
}
