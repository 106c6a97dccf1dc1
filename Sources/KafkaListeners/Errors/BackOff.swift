/// How long to wait before each retry of a failed record, and when to stop retrying.
///
/// `delay(attempt:elapsed:)` gets the number of the failed attempt (1 for the first failure) and the time
/// since the first failure; `nil` means no more retries (the record goes to the recoverer).
public struct BackOff: Sendable {
    private let next: @Sendable (_ attempt: Int, _ elapsed: Duration) -> Duration?

    /// A back-off from a function of the failed attempt's number and the time since the first failure.
    public static func custom(_ next: @escaping @Sendable (_ attempt: Int, _ elapsed: Duration) -> Duration?) -> BackOff {
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
    public static func exponential(
        initial: Duration = .milliseconds(100), multiplier: Double = 2, maxInterval: Duration = .seconds(30),
        jitter: Double = 0.2, maxAttempts: Int = 10, maxElapsed: Duration? = nil
    ) -> BackOff {
        BackOff { attempt, elapsed in
            guard attempt < maxAttempts else { return nil }
            if let maxElapsed, elapsed >= maxElapsed { return nil }
            let base = min(initial * pow(multiplier, Double(attempt - 1)), maxInterval)
            let spread = min(max(jitter, 0), 1)
            let factor = spread > 0 ? Double.random(in: (1 - spread)...(1 + spread)) : 1
            return min(base * factor, maxInterval)
        }
    }

    /// The wait before retrying after failed attempt number `attempt`, or `nil` to stop retrying.
    public func delay(attempt: Int, elapsed: Duration) -> Duration? {
        next(attempt, elapsed)
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
