/// Where a consumer starts when its group has no committed offset (`auto.offset.reset`).
public enum AutoOffsetReset: String, Sendable, CaseIterable {
    /// Start at the oldest record still on the broker.
    case earliest
    /// Start after the newest record (only new records are read).
    case latest
    /// Fail with an error instead of guessing.
    case error
}

/// A consumer group assignor (`partition.assignment.strategy`).
public enum PartitionAssignmentStrategy: String, Sendable, CaseIterable {
    /// Contiguous ranges of each topic's partitions per member (eager).
    case range
    /// Partitions dealt out one by one (eager).
    case roundrobin
    /// Cooperative-incremental sticky assignment: only moved partitions are revoked.
    case cooperativeSticky = "cooperative-sticky"
}

/// Which records a consumer reads from transactional producers (`isolation.level`).
public enum IsolationLevel: String, Sendable, CaseIterable {
    /// Only committed transactional records.
    case readCommitted = "read_committed"
    /// Every record, including aborted ones.
    case readUncommitted = "read_uncommitted"
}

/// How many replicas must confirm a produced record (`acks`).
public enum ProducerAcks: String, Sendable, CaseIterable {
    /// No confirmation: fastest, may lose records silently.
    case none = "0"
    /// The leader confirms: lost if the leader fails before replicating.
    case leader = "1"
    /// Every in-sync replica confirms: safest.
    case all = "all"
}

/// Transport security (`security.protocol`).
public enum SecurityProtocol: String, Sendable, CaseIterable {
    /// No encryption, no authentication.
    case plaintext
    /// TLS.
    case ssl
    /// SASL authentication without encryption.
    case saslPlaintext = "sasl_plaintext"
    /// SASL authentication over TLS.
    case saslSSL = "sasl_ssl"
}
