import Foundation

/// How long to wait before each retry of a failed record, and when to stop retrying.
///
/// `delay(attempt:elapsed:)` gets the number of the failed attempt (1 for the first failure) and the time
/// since the first failure; `nil` means no more retries (the record goes to the recoverer).
public struct BackOff: Sendable {
    private let next: @Sendable (_ attempt: Int, _ elapsed: Duration) -> Duration?

    /// A back-off from a function of the failed attempt's number and the time since the first failure.
    public static func custom(_ next: @escaping @Sendable (_ attempt: Int, _ elapsed: Duration) -> Duration?) -> BackOff
    {
        BackOff(next: next)
    }

    /// The same wait before each retry, up to `maxAttempts` attempts in all (the first included).
    public static func fixed(_ interval: Duration, maxAttempts: Int) -> BackOff {
        BackOff { attempt, _ in attempt < maxAttempts ? interval : nil }
    }

    /// No retry at all: the first failure goes to the recoverer.
    public static let none = BackOff { _, _ in nil }

    /// Waits growing by `multiplier` from `initial`, capped at `maxInterval`, each randomized by up to
    /// ±`jitter` (a fraction, 0…1); stops after `maxAttempts` attempts or once `maxElapsed` has passed
    /// since the first failure, whichever comes first.
    ///
    /// The growth is computed in seconds and capped before it becomes a `Duration`, so any attempt number
    /// gives a finite wait of at most `maxInterval`; with no jitter and a multiplier of at least 1 the
    /// waits never decrease. A negative `initial` or `maxInterval` counts as zero, and a multiplier that
    /// is not a finite number as 1.
    public static func exponential(
        initial: Duration = .milliseconds(100), multiplier: Double = 2, maxInterval: Duration = .seconds(30),
        jitter: Double = 0.2, maxAttempts: Int = 10, maxElapsed: Duration? = nil
    ) -> BackOff {
        let growth = ExponentialGrowth(initial: initial, multiplier: multiplier, maxInterval: maxInterval)
        let spread = jitter.isFinite ? min(max(jitter, 0), 1) : 0
        return BackOff { attempt, elapsed in
            guard attempt < maxAttempts else { return nil }
            if let maxElapsed, elapsed >= maxElapsed { return nil }
            let factor = spread > 0 ? Double.random(in: (1 - spread)...(1 + spread)) : 1
            return growth.delay(attempt: attempt, factor: factor)
        }
    }

    /// The wait before retrying after failed attempt number `attempt`, or `nil` to stop retrying.
    public func delay(attempt: Int, elapsed: Duration) -> Duration? {
        next(attempt, elapsed)
    }
}

/// `initial × multiplier^(attempt − 1) × factor`, capped at `maxInterval`, without overflow for any attempt.
struct ExponentialGrowth: Sendable {
    let initialSeconds: Double
    let multiplier: Double
    let maxInterval: Duration
    let maxSeconds: Double

    init(initial: Duration, multiplier: Double, maxInterval: Duration) {
        self.maxInterval = max(maxInterval, .zero)
        self.maxSeconds = self.maxInterval.secondsDouble
        self.initialSeconds = min(max(initial.secondsDouble, 0), maxSeconds)
        self.multiplier = multiplier.isFinite ? max(multiplier, 0) : 1
    }

    /// The wait after failed attempt `attempt` (1 for the first failure), scaled by `factor` (jitter).
    func delay(attempt: Int, factor: Double = 1) -> Duration {
        // Grown in Double, where overflow is +infinity, and capped before it becomes a Duration.
        let growth = Foundation.pow(multiplier, attempt > 1 ? Double(attempt - 1) : 0)
        var seconds = initialSeconds == 0 ? 0 : initialSeconds * growth
        seconds *= factor.isFinite ? max(factor, 0) : 1
        guard seconds.isFinite, seconds < maxSeconds else { return maxInterval }
        let whole = seconds.rounded(.down)
        guard let wholeSeconds = Int64(exactly: whole) else { return maxInterval }
        let nanoseconds = Int64(((seconds - whole) * 1e9).rounded())  // in 0...1e9
        return min(.seconds(wholeSeconds) + .nanoseconds(nanoseconds), maxInterval)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    fileprivate var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
