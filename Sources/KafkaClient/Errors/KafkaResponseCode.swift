import Crdkafka

/// A Kafka protocol error code (or one of librdkafka's negative local codes), for fault injection and
/// for matching ``KafkaError/code``.
public struct KafkaResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code as librdkafka's `rd_kafka_resp_err_t` holds it.
    public var rawValue: Int32

    /// Wraps a raw code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Success.
    public static let noError = KafkaResponseCode(rawValue: 0)
    /// The topic or partition does not exist on the broker.
    public static let unknownTopicOrPartition = KafkaResponseCode(rawValue: 3)
    /// The broker is not the partition's leader (metadata is stale).
    public static let notLeaderForPartition = KafkaResponseCode(rawValue: 6)
    /// The broker timed the request out.
    public static let requestTimedOut = KafkaResponseCode(rawValue: 7)
    /// The group coordinator is still loading offsets.
    public static let coordinatorLoadInProgress = KafkaResponseCode(rawValue: 14)
    /// No group coordinator is available.
    public static let coordinatorNotAvailable = KafkaResponseCode(rawValue: 15)
    /// The broker is not the group's coordinator.
    public static let notCoordinator = KafkaResponseCode(rawValue: 16)
    /// Too few in-sync replicas for `acks=all`.
    public static let notEnoughReplicas = KafkaResponseCode(rawValue: 19)
    /// The member's group generation is outdated.
    public static let illegalGeneration = KafkaResponseCode(rawValue: 22)
    /// The group does not know the member (it left or was never in it).
    public static let unknownMemberId = KafkaResponseCode(rawValue: 25)
    /// The group is rebalancing.
    public static let rebalanceInProgress = KafkaResponseCode(rawValue: 27)
    /// The client may not use the topic.
    public static let topicAuthorizationFailed = KafkaResponseCode(rawValue: 29)
    /// The client may not use the group.
    public static let groupAuthorizationFailed = KafkaResponseCode(rawValue: 30)
    /// The broker does not support the request version.
    public static let unsupportedVersion = KafkaResponseCode(rawValue: 35)
    /// A broker policy refused the request.
    public static let policyViolation = KafkaResponseCode(rawValue: 44)
    /// The producer's epoch is stale: another producer with its `transactional.id` took over.
    public static let invalidProducerEpoch = KafkaResponseCode(rawValue: 47)
    /// The request is not valid in the transaction's current state.
    public static let invalidTxnState = KafkaResponseCode(rawValue: 48)
    /// The producer id is not known for this `transactional.id`.
    public static let invalidProducerIdMapping = KafkaResponseCode(rawValue: 49)
    /// Another transaction of this `transactional.id` is still being completed.
    public static let concurrentTransactions = KafkaResponseCode(rawValue: 51)
    /// The principal may not use this `transactional.id`.
    public static let transactionalIdAuthorizationFailed = KafkaResponseCode(rawValue: 53)
    /// The broker no longer knows the producer id.
    public static let unknownProducerId = KafkaResponseCode(rawValue: 59)
    /// Another producer with the same `transactional.id` took over.
    public static let producerFenced = KafkaResponseCode(rawValue: 90)

    /// librdkafka's name for the code.
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }

    public var description: String { name }
}

/// A Kafka request type (API key), for fault injection. The numbers are the protocol's.
public enum KafkaAPI: Int16, Sendable, CaseIterable {
    /// Produce.
    case produce = 0
    /// Fetch.
    case fetch = 1
    /// ListOffsets (watermarks, offsets for times).
    case listOffsets = 2
    /// Metadata.
    case metadata = 3
    /// OffsetCommit.
    case offsetCommit = 8
    /// OffsetFetch (committed offsets).
    case offsetFetch = 9
    /// FindCoordinator.
    case findCoordinator = 10
    /// JoinGroup.
    case joinGroup = 11
    /// Heartbeat.
    case heartbeat = 12
    /// LeaveGroup.
    case leaveGroup = 13
    /// SyncGroup.
    case syncGroup = 14
    /// DescribeGroups.
    case describeGroups = 15
    /// ListGroups.
    case listGroups = 16
    /// ApiVersions.
    case apiVersions = 18
    /// CreateTopics.
    case createTopics = 19
    /// DeleteTopics.
    case deleteTopics = 20
    /// InitProducerId (idempotent and transactional producers).
    case initProducerId = 22
    /// AddPartitionsToTxn (a transaction's first record to a partition).
    case addPartitionsToTxn = 24
    /// AddOffsetsToTxn (a transaction's first offsets of a consumer group).
    case addOffsetsToTxn = 25
    /// EndTxn (commit or abort a transaction).
    case endTxn = 26
    /// TxnOffsetCommit (the offsets sent in a transaction, to the group coordinator).
    case txnOffsetCommit = 28
}
