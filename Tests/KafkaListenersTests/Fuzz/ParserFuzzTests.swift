import KafkaClient
import KafkaListenersTesting
import Testing

/// Hostile input for every parser that reads what others wrote or typed: each input is accepted or
/// rejected with an error, never a trap, and accepted values keep their invariants. Seeded, so a failure
/// repeats; each test prints nothing and runs well under a second per ten thousand inputs.
@Suite("Parsers of outside input never trap", .timeLimit(.minutes(1)))
struct ParserFuzzTests {
    static let durationSeeds = [
        "500ms", "30s", "5m", "1h", "2d", "0", "1.5", "0.5s", "365d", "8760h", "525600m", "31536000", "31536000000ms",
        "1e3", "1e3ms",
        "1e300", "1e400s", "inf", "-1s", "nan", "", " ", "ms", "s", " 5m ", "1.5.5s", "1ms5", "9223372036854775807ms",
    ]

    @Test("durations: accepted ones lie in 0…365 days, rejected ones say which input and why")
    func durations() {
        var fuzz = FuzzInput(seed: 0xD0_2A71_0115)
        var accepted = 0
        for iteration in 0..<fuzzIterations {
            let text =
                iteration < Self.durationSeeds.count
                ? Self.durationSeeds[iteration]
                : fuzz.chance(0.5) ? fuzz.mutate(fuzz.pick(Self.durationSeeds)) : fuzz.text(maxLength: 24)
            for unit in [Duration.seconds(1), .milliseconds(1)] {
                do throws(DurationParseError) {
                    let duration = try DurationText.parse(text, bareNumberUnit: unit)
                    accepted += 1
                    #expect(
                        duration >= .zero && duration <= DurationText.maximum, "\(text.debugDescription) → \(duration)")
                } catch {
                    #expect(error.description.contains("'\(error.input)'"), "\(error)")
                    #expect(error.input.count <= InputExcerpt.limit + 24, "\(error.input.count) characters echoed")
                }
            }
        }
        #expect(accepted > 1_000, "the generator reaches valid durations too (\(accepted) accepted)")
    }

    @Test("durations from JSON numbers: any Double is a duration in 0…365 days or an error")
    func durationsFromSeconds() {
        var fuzz = FuzzInput(seed: 0x5EC0_4D5)
        let edges: [Double] = [
            0, -0.0, 1e-300, 31_536_000, 31_536_000.000001, -1, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
            1e300,
        ]
        for iteration in 0..<fuzzIterations {
            let seconds =
                iteration < edges.count
                ? edges[iteration]
                : fuzz.chance(0.5) ? fuzz.anyDouble() : Double(fuzz.int(in: -1_000...40_000_000)) / 1.3
            do throws(DurationParseError) {
                let duration = try DurationText.fromSeconds(seconds)
                #expect(
                    seconds >= 0 && seconds <= 31_536_000 && duration <= DurationText.maximum,
                    "\(seconds) → \(duration)")
            } catch {
                #expect(!(seconds >= 0 && seconds <= 31_536_000), "\(seconds) rejected: \(error)")
            }
        }
    }
}
