import Foundation
import Synchronization

/// Fans container events out to every subscriber; each subscriber gets its own `AsyncStream`.
///
/// Emitting never blocks: a subscriber that falls more than `bufferSize` events behind loses the oldest.
/// When the registry that owns the bus ends its service run (a graceful shutdown), every stream finishes
/// after the containers' last events, so a `for await` over it ends too.
public final class EventBus: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<ContainerEvent>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())

    /// Creates a bus with no subscribers.
    public init() {}

    /// A stream of every event emitted from now on, until the stream is dropped or cancelled or the bus
    /// finishes (a stream asked for after that ends at once).
    public func subscribe(bufferSize: Int = 10_000) -> AsyncStream<ContainerEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ContainerEvent>.makeStream(
            bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        let finished = state.withLock { state -> Bool in
            if !state.finished { state.subscribers[id] = continuation }
            return state.finished
        }
        if finished { continuation.finish() }
        return stream
    }

    /// Sends `event` to every subscriber.
    func emit(_ event: ContainerEvent) {
        let targets = state.withLock { Array($0.subscribers.values) }
        for continuation in targets { continuation.yield(event) }
    }

    /// Ends every stream (after the events already sent) and every later one.
    func finish() {
        let targets = state.withLock { state -> [AsyncStream<ContainerEvent>.Continuation] in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
