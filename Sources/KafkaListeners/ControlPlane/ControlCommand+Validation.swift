import Foundation
import KafkaClient

extension ControlCommand.Action {
    /// The longest listener id a command may name.
    public static let maximumListenerIdLength = 1_024
    /// The highest per-partition concurrency limit a command may set.
    public static let maximumConcurrency = 100_000
    /// The longest pause a command may ask for: one year, in seconds.
    public static let maximumPauseSeconds: Double = 31_536_000
    /// The latest time a seek may name: 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
    public static let maximumTimestampMilliseconds: Int64 = 253_402_300_799_999

    /// Why the action's values cannot be applied, or nil when they can: an empty or over-long listener id, one with
    /// control characters, a pause that is negative, not finite or longer than a year, a partition of a topic name Kafka
    /// would refuse or with a negative number, a seek time before the epoch or after year 9999, a concurrency limit
    /// outside 1…``maximumConcurrency``.
    public var validationFailure: String? {
        let id = listenerId
        if id.isEmpty { return "the listener id is empty" }
        if id.utf8.count > Self.maximumListenerIdLength {
            return "the listener id is \(id.utf8.count) bytes long, more than \(Self.maximumListenerIdLength)"
        }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the listener id contains control characters"
        }
        if let seconds = pauseSeconds, !(seconds.isFinite && seconds >= 0 && seconds <= Self.maximumPauseSeconds) {
            return "a pause must last 0 to \(Int(Self.maximumPauseSeconds)) seconds, got \(seconds)"
        }
        if let (topic, partition) = partitionTarget {
            if partition < 0 { return "a partition number must be 0 or more, got \(partition)" }
            do { try TopicName.validate(topic) } catch { return "\(error)" }
        }
        if case .seekToTimestamp(_, let milliseconds) = self,
            !(0...Self.maximumTimestampMilliseconds).contains(milliseconds)
        {
            return
                "a seek time must be 0 to \(Self.maximumTimestampMilliseconds) milliseconds since the epoch, got \(milliseconds)"
        }
        if case .setMaxConcurrency(_, let value) = self, !(1...Self.maximumConcurrency).contains(value) {
            return "maxConcurrency must be at least 1 and at most \(Self.maximumConcurrency), got \(value)"
        }
        return nil
    }

    /// The duration a pause action asks for, in seconds, if it has one.
    private var pauseSeconds: Double? {
        switch self {
        case .pause(_, let seconds?), .pausePartition(_, _, _, let seconds?): seconds
        default: nil
        }
    }

    /// The topic and partition a partition action names.
    private var partitionTarget: (String, Int32)? {
        switch self {
        case .pausePartition(_, let topic, let partition, _), .resumePartition(_, let topic, let partition):
            (topic, partition)
        default: nil
        }
    }
}
