import Logging
import Synchronization

/// Logs rejected control messages as warnings, at most ``burst`` lines per ``interval``; the rest are counted and
/// summed up in the next line written, so a flood of forged messages costs a few lines, not one per message.
final class RejectionLog: Sendable {
    /// The most lines per interval.
    let burst: Int
    /// The interval.
    let interval: Duration
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var windowStart: ContinuousClock.Instant
        var linesInWindow = 0
        var suppressed = 0
        var counts: [ControlMessageRejection.Reason: Int] = [:]
    }

    /// Creates a log writing to `logger`.
    init(logger: Logger, burst: Int = 10, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.burst = burst
        self.interval = interval
        state = Mutex(State(windowStart: .now))
    }

    /// How many messages were rejected, by reason, since the start.
    var counts: [ControlMessageRejection.Reason: Int] { state.withLock { $0.counts } }

    /// Counts `rejection` and logs it unless this interval's lines are used up.
    func note(_ rejection: ControlMessageRejection, at origin: String) {
        let now = ContinuousClock.now
        let (write, suppressedBefore): (Bool, Int) = state.withLock { state in
            state.counts[rejection.reason, default: 0] += 1
            if now - state.windowStart >= interval {
                state.windowStart = now
                state.linesInWindow = 0
            }
            guard state.linesInWindow < burst else {
                state.suppressed += 1
                return (false, 0)
            }
            state.linesInWindow += 1
            defer { state.suppressed = 0 }
            return (true, state.suppressed)
        }
        guard write else { return }
        var line = "control message rejected at \(origin), not applied: \(rejection)"
        if suppressedBefore > 0 { line += " (\(suppressedBefore) more rejected before, not logged one by one)" }
        logger.warning(
            "\(line)", metadata: ["control.rejection": "\(rejection.reason)"])
    }
}
