/// A change of a consumer's assignment, handed to its ``RebalanceHandler`` on the consumer's thread.
///
/// For `.revoked` and `.lost` the handler runs *before* librdkafka gives the partitions up, so it can
/// commit what was processed (do not commit for `.lost`: the partitions already belong to another
/// member). For `.assigned` it runs right after the partitions were added, before any of their records
/// is returned by a poll, so it can seek or pause them.
public struct RebalanceEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened to ``partitions``.
    public enum Kind: Sendable, Hashable {
        /// The partitions were given to this consumer.
        case assigned
        /// The partitions are being taken away in an orderly rebalance: commit now.
        case revoked
        /// The partitions were lost (session timeout, fenced member): another member may own them already.
        case lost
    }

    /// The group's rebalance protocol, which decides whether events carry every partition or a delta.
    public enum RebalanceProtocol: String, Sendable, Hashable {
        /// Every rebalance revokes the whole assignment and assigns a new one.
        case eager = "EAGER"
        /// Only partitions that move are revoked or assigned (`cooperative-sticky`).
        case cooperative = "COOPERATIVE"
    }

    /// What happened.
    public var kind: Kind
    /// The partitions concerned (the delta for cooperative rebalances).
    public var partitions: [TopicPartition]
    /// The rebalance protocol in use.
    public var rebalanceProtocol: RebalanceProtocol

    /// Creates an event.
    public init(kind: Kind, partitions: [TopicPartition], rebalanceProtocol: RebalanceProtocol) {
        self.kind = kind
        self.partitions = partitions
        self.rebalanceProtocol = rebalanceProtocol
    }

    public var description: String {
        "\(kind) \(partitions.sorted().map(\.description).joined(separator: ", ")) (\(rebalanceProtocol.rawValue.lowercased()))"
    }
}

/// Called on the consumer's thread for each rebalance; the session is valid only during the call.
public typealias RebalanceHandler = @Sendable (RebalanceEvent, ConsumerSession) -> Void

/// Called on the consumer's thread with partitions about to be assigned: returns where some of them start (an offset,
/// or `KafkaOffset.beginning` / `.end`'s raw value); the others start at their committed offset.
public typealias AssignmentOffsetsHandler = @Sendable ([TopicPartition], ConsumerSession) -> [TopicPartition: Int64]
