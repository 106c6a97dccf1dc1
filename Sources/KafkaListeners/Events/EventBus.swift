import Foundation
import Synchronization

/// Fans container events out to every subscriber; each subscriber gets its own `AsyncStream`.
///
/// Emitting never blocks: a subscriber that falls more than `bufferSize` events behind loses the oldest.
public final class EventBus: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<ContainerEvent>.Continuation]>([:])

    /// Creates a bus with no subscribers.
    public init() {}

    /// A stream of every event emitted from now on, until the stream is dropped or cancelled.
    public func subscribe(bufferSize: Int = 10_000) -> AsyncStream<ContainerEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ContainerEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Sends `event` to every subscriber.
    func emit(_ event: ContainerEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(event) }
    }
}
