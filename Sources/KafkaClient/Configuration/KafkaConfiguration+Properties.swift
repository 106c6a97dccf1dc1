/// Typed accessors for the settings people use most; each reads and writes the raw librdkafka key.
extension KafkaConfiguration {
    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var bootstrapServers: String? {
        get { self["bootstrap.servers"] }
        set { self["bootstrap.servers"] = newValue }
    }

    /// `client.id`: the name brokers log for this client.
    public var clientId: String? {
        get { self["client.id"] }
        set { self["client.id"] = newValue }
    }

    /// `group.id`: the consumer group; required to subscribe or commit.
    public var groupId: String? {
        get { self["group.id"] }
        set { self["group.id"] = newValue }
    }

    /// `group.instance.id`: static membership id.
    public var groupInstanceId: String? {
        get { self["group.instance.id"] }
        set { self["group.instance.id"] = newValue }
    }

    /// `auto.offset.reset`: where to start when the group has no committed offset.
    public var autoOffsetReset: AutoOffsetReset? {
        get { self["auto.offset.reset"].flatMap(AutoOffsetReset.init(rawValue:)) }
        set { self["auto.offset.reset"] = newValue?.rawValue }
    }

    /// `enable.auto.commit`: whether librdkafka commits stored offsets on a timer.
    public var enableAutoCommit: Bool? {
        get { self["enable.auto.commit"].map { $0 == "true" } }
        set { self["enable.auto.commit"] = newValue.map { $0 ? "true" : "false" } }
    }

    /// `auto.commit.interval.ms`.
    public var autoCommitInterval: Duration? {
        get { duration("auto.commit.interval.ms") }
        set { setDuration("auto.commit.interval.ms", newValue) }
    }

    /// `enable.auto.offset.store`: whether librdkafka stores each consumed offset for auto commit.
    public var enableAutoOffsetStore: Bool? {
        get { self["enable.auto.offset.store"].map { $0 == "true" } }
        set { self["enable.auto.offset.store"] = newValue.map { $0 ? "true" : "false" } }
    }

    /// `session.timeout.ms`: how long the group coordinator waits for heartbeats.
    public var sessionTimeout: Duration? {
        get { duration("session.timeout.ms") }
        set { setDuration("session.timeout.ms", newValue) }
    }

    /// `heartbeat.interval.ms`.
    public var heartbeatInterval: Duration? {
        get { duration("heartbeat.interval.ms") }
        set { setDuration("heartbeat.interval.ms", newValue) }
    }

    /// `max.poll.interval.ms`: the longest gap between polls before the member leaves the group.
    public var maxPollInterval: Duration? {
        get { duration("max.poll.interval.ms") }
        set { setDuration("max.poll.interval.ms", newValue) }
    }

    /// `fetch.min.bytes`.
    public var fetchMinBytes: Int? {
        get { self["fetch.min.bytes"].flatMap { Int($0) } }
        set { self["fetch.min.bytes"] = newValue.map(String.init) }
    }

    /// `fetch.max.bytes`.
    public var fetchMaxBytes: Int? {
        get { self["fetch.max.bytes"].flatMap { Int($0) } }
        set { self["fetch.max.bytes"] = newValue.map(String.init) }
    }

    /// `fetch.wait.max.ms` (Java's `fetch.max.wait.ms`).
    public var fetchMaxWait: Duration? {
        get { duration("fetch.wait.max.ms") }
        set { setDuration("fetch.wait.max.ms", newValue) }
    }

    /// `max.partition.fetch.bytes`.
    public var maxPartitionFetchBytes: Int? {
        get { self["max.partition.fetch.bytes"].flatMap { Int($0) } }
        set { self["max.partition.fetch.bytes"] = newValue.map(String.init) }
    }

    /// `queued.min.messages`: how many messages librdkafka tries to keep prefetched per consumer.
    public var queuedMinMessages: Int? {
        get { self["queued.min.messages"].flatMap { Int($0) } }
        set { self["queued.min.messages"] = newValue.map(String.init) }
    }

    /// `partition.assignment.strategy`: one or more assignors, in preference order.
    public var partitionAssignmentStrategy: [PartitionAssignmentStrategy]? {
        get {
            self["partition.assignment.strategy"].map {
                $0.split(separator: ",").compactMap { PartitionAssignmentStrategy(rawValue: $0.trimmingSpaces) }
            }
        }
        set { self["partition.assignment.strategy"] = newValue?.map(\.rawValue).joined(separator: ",") }
    }

    /// `isolation.level`.
    public var isolationLevel: IsolationLevel? {
        get { self["isolation.level"].flatMap(IsolationLevel.init(rawValue:)) }
        set { self["isolation.level"] = newValue?.rawValue }
    }

    /// `acks` for producers.
    public var acks: ProducerAcks? {
        get { self["acks"].flatMap(ProducerAcks.init(rawValue:)) }
        set { self["acks"] = newValue?.rawValue }
    }

    /// `linger.ms` for producers.
    public var linger: Duration? {
        get { duration("linger.ms") }
        set { setDuration("linger.ms", newValue) }
    }

    /// `enable.idempotence` for producers.
    public var enableIdempotence: Bool? {
        get { self["enable.idempotence"].map { $0 == "true" } }
        set { self["enable.idempotence"] = newValue.map { $0 ? "true" : "false" } }
    }

    /// `compression.type` for producers (`none`, `gzip`, `snappy`, `lz4`, `zstd`).
    public var compressionType: String? {
        get { self["compression.type"] }
        set { self["compression.type"] = newValue }
    }

    /// `socket.send.buffer.bytes` and `socket.receive.buffer.bytes`.
    public var socketBufferBytes: (send: Int?, receive: Int?) {
        get {
            (
                self["socket.send.buffer.bytes"].flatMap { Int($0) },
                self["socket.receive.buffer.bytes"].flatMap { Int($0) }
            )
        }
        set {
            self["socket.send.buffer.bytes"] = newValue.send.map(String.init)
            self["socket.receive.buffer.bytes"] = newValue.receive.map(String.init)
        }
    }

    /// `security.protocol`.
    public var securityProtocol: SecurityProtocol? {
        get { self["security.protocol"].flatMap(SecurityProtocol.init(rawValue:)) }
        set { self["security.protocol"] = newValue?.rawValue }
    }

    /// `sasl.mechanisms`, for example `PLAIN` or `SCRAM-SHA-512`.
    public var saslMechanism: String? {
        get { self["sasl.mechanisms"] }
        set { self["sasl.mechanisms"] = newValue }
    }

    /// `sasl.username`; treated as a secret (on managed clusters it is an API key): reads back as `[redacted]`.
    public var saslUsername: String? {
        get { self["sasl.username"] }
        set { self["sasl.username"] = newValue }
    }

    /// `sasl.password`; reads back as `[redacted]` once set, and is never shown.
    public var saslPassword: String? {
        get { self["sasl.password"] }
        set { self["sasl.password"] = newValue }
    }

    /// `ssl.ca.location`.
    public var sslCALocation: String? {
        get { self["ssl.ca.location"] }
        set { self["ssl.ca.location"] = newValue }
    }

    /// `ssl.certificate.location`.
    public var sslCertificateLocation: String? {
        get { self["ssl.certificate.location"] }
        set { self["ssl.certificate.location"] = newValue }
    }

    /// `ssl.key.location`.
    public var sslKeyLocation: String? {
        get { self["ssl.key.location"] }
        set { self["ssl.key.location"] = newValue }
    }

    /// `ssl.key.password`; reads back as `[redacted]` once set, and is never shown.
    public var sslKeyPassword: String? {
        get { self["ssl.key.password"] }
        set { self["ssl.key.password"] = newValue }
    }

    /// `statistics.interval.ms`: how often librdkafka emits its JSON statistics (0 = off).
    public var statisticsInterval: Duration? {
        get { duration("statistics.interval.ms") }
        set { setDuration("statistics.interval.ms", newValue) }
    }

    private func duration(_ key: String) -> Duration? {
        self[key].flatMap { Int64($0) }.map { .milliseconds($0) }
    }

    private mutating func setDuration(_ key: String, _ value: Duration?) {
        self[key] = value.map { String($0.milliseconds) }
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
