import Synchronization
import UnixSignals

/// Ctrl-C (SIGINT) and SIGTERM, turned into a flag and an awaitable event, on swift-service-lifecycle's
/// `UnixSignalsSequence` (signals are delivered through a dispatch source, not a C handler of our own).
final class SignalWaiter: Sendable {
    /// The signal received, and the callers waiting for one.
    private let state = Mutex<(received: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    private init() {}

    /// Starts trapping SIGINT and SIGTERM (from now on they no longer end the process) and returns the waiter.
    static func start() async -> SignalWaiter {
        let waiter = SignalWaiter()
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        Task {
            for await signal in signals {
                waiter.received(signal.rawValue)
                break
            }
        }
        return waiter
    }

    private func received(_ signal: Int32) {
        let waiters = state.withLock { current -> [CheckedContinuation<Int32, Never>] in
            current.received = signal
            defer { current.waiters = [] }
            return current.waiters
        }
        for waiter in waiters { waiter.resume(returning: signal) }
    }

    /// Whether a signal arrived.
    var received: Bool { state.withLock { $0.received != nil } }

    /// Waits for the first signal and returns its number.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let already = state.withLock { current -> Int32? in
                if let received = current.received { return received }
                current.waiters.append(continuation)
                return nil
            }
            if let already { continuation.resume(returning: already) }
        }
    }
}
