import KafkaClient

/// How an endpoint prints: its settings, with the values of secret consumer properties (`sasl.password`,
/// `ssl.key.password`, …) replaced by `[redacted]`, also for `dump` and debuggers.
extension ListenerEndpoint: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let properties = redactedConsumerProperties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
            separator: ", ")
        return
            "ListenerEndpoint(id: \(id), selection: \(selection), groupId: \(effectiveGroupId), concurrency: \(concurrency), "
            + "ackMode: \(ackMode), commitMode: \(commitMode), maxPollRecords: \(maxPollRecords), consumerProperties: [\(properties)])"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "selection": selection, "groupId": effectiveGroupId, "concurrency": concurrency,
                "ackMode": ackMode,
                "commitMode": commitMode, "maxPollRecords": maxPollRecords,
                "consumerProperties": redactedConsumerProperties,
            ], displayStyle: .struct)
    }

    /// ``consumerProperties`` with every secret value replaced by `[redacted]`.
    var redactedConsumerProperties: [String: String] {
        Dictionary(
            uniqueKeysWithValues: consumerProperties.map {
                ($0.key, KafkaConfiguration.isSecret($0.key) ? SecretRedaction.placeholder : $0.value)
            })
    }
}
