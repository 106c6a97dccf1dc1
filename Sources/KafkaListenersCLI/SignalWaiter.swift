import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
import KafkaListenersCLICore
#endif

/// Ctrl-C (SIGINT) and SIGTERM, turned into a flag and an awaitable event.
///
/// The signal handler only writes one byte to a pipe (async-signal-safe); a thread of its own reads the
/// pipe with a blocking `read()` and wakes the waiters, so nothing blocks Swift's cooperative pool.
final class SignalWaiter: Sendable {
    /// The process-wide waiter; the handlers are installed the first time it is used.
    static let shared = SignalWaiter()

    private let box = Box()

    /// The signal received and who waits for it, shared with the reader thread.
    private final class Box: Sendable {
        let state = Mutex<(received: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
    }

    private init() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("cannot create the signal pipe") }
        signalPipeWriteEnd.store(fds[1], ordering: .releasing)
        for signal in [SIGINT, SIGTERM] {
            Glibc.signal(signal) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd.load(ordering: .acquiring), &byte, 1)
            }
        }
        let readEnd = fds[0]
        let box = self.box
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) == -1 && errno == EINTR {}
            let waiters = box.state.withLock { current -> [CheckedContinuation<Int32, Never>] in
                current.received = Int32(byte)
                defer { current.waiters = [] }
                return current.waiters
            }
            for waiter in waiters { waiter.resume(returning: Int32(byte)) }
        }
        thread.name = "signal-waiter"
        thread.start()
    }

    /// Whether SIGINT or SIGTERM arrived.
    var received: Bool { box.state.withLock { $0.received != nil } }

    /// Waits for SIGINT or SIGTERM and returns its number.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let already = box.state.withLock { current -> Int32? in
                if let received = current.received { return received }
                current.waiters.append(continuation)
                return nil
            }
            if let already { continuation.resume(returning: already) }
        }
    }
}

/// The pipe end the signal handler writes to (an atomic: the handler may run on any thread).
private let signalPipeWriteEnd = Atomic<Int32>(-1)
