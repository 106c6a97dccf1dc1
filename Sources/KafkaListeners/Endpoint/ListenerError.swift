import KafkaClient

/// Errors of the listener framework (client-level failures stay `KafkaError`).
public enum ListenerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two endpoints were registered with the same id.
    case duplicateListenerId(String)
    /// No listener or child container has this id.
    case unknownListenerId(String)
    /// An endpoint's settings are unusable.
    case invalidEndpoint(id: String, reason: String)
    /// The operation needs a state the container is not in (for example acknowledging in a non-manual mode).
    case invalidState(String)

    public var description: String {
        switch self {
        case .duplicateListenerId(let id):
            "a listener with id '\(id)' is already registered; listener ids must be unique"
        case .unknownListenerId(let id): "no listener or container has id '\(id)'"
        case .invalidEndpoint(let id, let reason): "listener '\(id)' is misconfigured: \(reason)"
        case .invalidState(let reason): reason
        }
    }
}
