import KafkaListeners
import Testing

@Suite("Exponential back-off never overflows", .timeLimit(.minutes(1)))
struct BackOffTests {
    /// Attempts 1…10,000, then every 997th up to a million.
    static let attempts = Array(1...10_000) + Array(stride(from: 10_001, through: 1_000_000, by: 997))

    @Test(
        "delays for attempts up to a million are finite, never decrease and stop at the cap",
        arguments: [
            (Duration.milliseconds(100), 2.0, Duration.seconds(30)),
            (.milliseconds(1), 1.000_001, .milliseconds(2)),
            (.seconds(1), 10, .seconds(365 * 86_400)),
            (.nanoseconds(1), 1e300, .seconds(Int64.max)),
            (.seconds(60), 3, .seconds(30)),
            (.zero, 2, .seconds(30)),
        ])
    func monotoneAndCapped(initial: Duration, multiplier: Double, maxInterval: Duration) throws {
        let backOff = BackOff.exponential(
            initial: initial, multiplier: multiplier, maxInterval: maxInterval, jitter: 0, maxAttempts: .max)
        var previous = Duration.zero
        for attempt in Self.attempts {
            let delay = try #require(backOff.delay(attempt: attempt, elapsed: .zero), "attempt \(attempt)")
            #expect(delay >= previous && delay <= maxInterval, "attempt \(attempt): \(delay) after \(previous)")
            previous = delay
        }
        #expect(
            previous == maxInterval || multiplier <= 1 || initial == .zero, "the last delays reach the cap: \(previous)"
        )
    }

    @Test("odd settings (infinite or NaN multiplier and jitter, negative durations) still give delays within the cap")
    func oddSettings() throws {
        let settings: [(Duration, Double, Duration, Double)] = [
            (.milliseconds(100), .infinity, .seconds(30), 0.2), (.milliseconds(100), .nan, .seconds(30), .nan),
            (.milliseconds(-5), 2, .seconds(30), 1), (.milliseconds(100), 2, .seconds(-30), 0.5),
            (.milliseconds(100), -3, .seconds(30), .infinity), (.milliseconds(100), 0.5, .seconds(30), 1),
        ]
        for (initial, multiplier, maxInterval, jitter) in settings {
            let backOff = BackOff.exponential(
                initial: initial, multiplier: multiplier, maxInterval: maxInterval, jitter: jitter, maxAttempts: .max)
            for attempt in [Int.min, -1, 0, 1, 2, 64, 72, 1_100, 1_000_000, .max - 1] {
                let delay = try #require(backOff.delay(attempt: attempt, elapsed: .zero))
                #expect(
                    delay >= .zero && delay <= max(maxInterval, .zero),
                    "\(initial) ×\(multiplier) attempt \(attempt): \(delay)")
            }
        }
    }

    @Test("the default back-off still doubles from 100 ms and stops after ten attempts")
    func defaults() {
        let backOff = BackOff.exponential(jitter: 0)
        #expect(backOff.delay(attempt: 1, elapsed: .zero) == .milliseconds(100))
        #expect(backOff.delay(attempt: 4, elapsed: .zero) == .milliseconds(800))
        #expect(backOff.delay(attempt: 9, elapsed: .zero) == .milliseconds(25_600))
        #expect(backOff.delay(attempt: 10, elapsed: .zero) == nil)
    }
}
