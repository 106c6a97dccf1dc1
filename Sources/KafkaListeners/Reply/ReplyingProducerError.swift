/// Why a ``ReplyingProducer`` request got no reply.
public enum ReplyingProducerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No reply came within `after`; a reply that comes later is dropped (logged at debug level).
    case timedOut(topic: String, after: Duration)
    /// The producer was not started (``ReplyingProducer/start()``).
    case notStarted
    /// The producer was closed before the reply came.
    case closed

    public var description: String {
        switch self {
        case .timedOut(let topic, let after): "no reply to the request sent to '\(topic)' within \(after)"
        case .notStarted: "the replying producer is not started: call start() first"
        case .closed: "the replying producer is closed"
        }
    }
}
