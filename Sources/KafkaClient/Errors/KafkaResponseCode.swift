import Crdkafka

/// A Kafka protocol error code (or one of librdkafka's negative local codes), for fault injection and
/// for matching ``KafkaError/code``.
public struct KafkaResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code as librdkafka's `rd_kafka_resp_err_t` holds it.
    public var rawValue: Int32

    /// Wraps a raw code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let noError = KafkaResponseCode(rawValue: 0)
    public static let unknownTopicOrPartition = KafkaResponseCode(rawValue: 3)
    public static let notLeaderForPartition = KafkaResponseCode(rawValue: 6)
    public static let requestTimedOut = KafkaResponseCode(rawValue: 7)
    public static let coordinatorLoadInProgress = KafkaResponseCode(rawValue: 14)
    public static let coordinatorNotAvailable = KafkaResponseCode(rawValue: 15)
    public static let notCoordinator = KafkaResponseCode(rawValue: 16)
    public static let notEnoughReplicas = KafkaResponseCode(rawValue: 19)
    public static let illegalGeneration = KafkaResponseCode(rawValue: 22)
    public static let unknownMemberId = KafkaResponseCode(rawValue: 25)
    public static let rebalanceInProgress = KafkaResponseCode(rawValue: 27)
    public static let topicAuthorizationFailed = KafkaResponseCode(rawValue: 29)
    public static let groupAuthorizationFailed = KafkaResponseCode(rawValue: 30)
    public static let unsupportedVersion = KafkaResponseCode(rawValue: 35)
    public static let policyViolation = KafkaResponseCode(rawValue: 44)

    /// librdkafka's name for the code.
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }

    public var description: String { name }
}

/// A Kafka request type (API key), for fault injection. The numbers are the protocol's.
public enum KafkaAPI: Int16, Sendable, CaseIterable {
    case produce = 0
    case fetch = 1
    case listOffsets = 2
    case metadata = 3
    case offsetCommit = 8
    case offsetFetch = 9
    case findCoordinator = 10
    case joinGroup = 11
    case heartbeat = 12
    case leaveGroup = 13
    case syncGroup = 14
    case describeGroups = 15
    case listGroups = 16
    case apiVersions = 18
    case createTopics = 19
    case deleteTopics = 20
    case initProducerId = 22
}
