import Synchronization

/// Carries one `send`'s delivery result from librdkafka's delivery callback to the awaiting task,
/// whichever of the two arrives first.
final class DeliveryWaiter: Sendable {
    private enum State {
        case waiting
        case awaiting(CheckedContinuation<RecordMetadata, Error>)
        case done(Result<RecordMetadata, KafkaError>)
    }

    private let state = Mutex<State>(.waiting)

    /// Resolves the delivery; called once from the producer's polling thread.
    func complete(_ result: Result<RecordMetadata, KafkaError>) {
        let continuation: CheckedContinuation<RecordMetadata, Error>? = state.withLock { state in
            switch state {
            case .awaiting(let continuation):
                state = .done(result)
                return continuation
            case .waiting:
                state = .done(result)
                return nil
            case .done:
                return nil
            }
        }
        continuation?.resume(with: result.mapError { $0 as Error })
    }

    /// Waits for ``complete(_:)``.
    func wait() async throws -> RecordMetadata {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<RecordMetadata, KafkaError>? = state.withLock { state in
                if case .done(let result) = state { return result }
                state = .awaiting(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready.mapError { $0 as Error }) }
        }
    }
}
