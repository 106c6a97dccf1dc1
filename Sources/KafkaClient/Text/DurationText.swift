/// The one format for a duration a person types: command-line options (`--for`, `--timeout`), the admin
/// server's `?for=`, control commands, `KAFKA_LISTENERS_*` overrides and configuration keys.
///
/// A duration is a non-negative decimal number followed by a unit: `ms` (milliseconds), `s` (seconds),
/// `m` (minutes), `h` (hours) or `d` (days), such as `500ms`, `30s`, `1.5m`, `1h` or `2d`. A number without
/// a unit counts in the unit the caller names (seconds unless said otherwise). Surrounding spaces are
/// ignored. The largest duration accepted is ``maximum`` (365 days); negative, non-finite (`inf`, `nan`),
/// empty and unparsable text is rejected with a ``DurationParseError`` naming the input. Parsing never
/// traps, whatever the input.
public enum DurationText {
    /// The largest duration accepted: 365 days.
    public static let maximum: Duration = .seconds(maximumSeconds)

    /// ``maximum`` in seconds.
    public static let maximumSeconds: Int64 = 365 * 24 * 3600

    /// The units, longest suffix first, with their length in seconds.
    static let units: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ]

    /// Parses `text` (`500ms`, `30s`, `5m`, `1h`, `2d`, or a bare number counted in `bareNumberUnit`).
    ///
    /// - Parameters:
    ///   - text: what a person typed; leading and trailing spaces and tabs are ignored.
    ///   - bareNumberUnit: what a number without a unit counts (default: seconds).
    /// - Returns: a duration in `0...maximum`.
    /// - Throws: ``DurationParseError`` for empty, unparsable, negative, non-finite or too large input.
    public static func parse(
        _ text: String, bareNumberUnit: Duration = .seconds(1)
    ) throws(DurationParseError) -> Duration {
        let trimmed = trimmingASCIISpaces(text[...])
        guard !trimmed.isEmpty else { throw DurationParseError(input: text, reason: .empty) }
        var number = trimmed
        var scale = bareNumberUnit.secondsAsDouble
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        if number.first == "-" { throw DurationParseError(input: text, reason: .negative) }
        guard isDecimal(number), let value = Double(number) else {
            throw DurationParseError(input: text, reason: .unparsable)
        }
        guard value.isFinite else { throw DurationParseError(input: text, reason: .notFinite) }
        return try checked(seconds: value * scale, input: text)
    }

    /// A duration from a number of seconds (a JSON number in a control command, for example).
    ///
    /// - Returns: a duration in `0...maximum`.
    /// - Throws: ``DurationParseError`` for a negative, non-finite or too large number.
    public static func fromSeconds(_ seconds: Double) throws(DurationParseError) -> Duration {
        try checked(seconds: seconds, input: "\(seconds)")
    }

    private static func checked(seconds: Double, input: String) throws(DurationParseError) -> Duration {
        guard seconds.isFinite else { throw DurationParseError(input: input, reason: .notFinite) }
        guard seconds >= 0 else { throw DurationParseError(input: input, reason: .negative) }
        guard seconds <= Double(maximumSeconds) else { throw DurationParseError(input: input, reason: .tooLarge) }
        // At most 3.2e16 nanoseconds: far inside Int64, so the conversion is exact and cannot trap.
        guard let nanoseconds = Int64(exactly: (seconds * 1e9).rounded()) else {
            throw DurationParseError(input: input, reason: .tooLarge)
        }
        return .nanoseconds(nanoseconds)
    }

    /// Digits with at most one `.` and an optional exponent (`1e3`); at least one digit before the exponent.
    private static func isDecimal(_ text: Substring) -> Bool {
        var mantissaDigits = 0
        var sawDot = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isASCII, character.isNumber {
                mantissaDigits += 1
            } else if character == ".", !sawDot {
                sawDot = true
            } else {
                break
            }
            index = text.index(after: index)
        }
        guard mantissaDigits > 0 else { return false }
        guard index < text.endIndex else { return true }
        guard text[index] == "e" || text[index] == "E" else { return false }
        var exponent = text[text.index(after: index)...]
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Text that is not a duration ``DurationText`` accepts.
public struct DurationParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the input.
    public enum Reason: Sendable, Hashable {
        /// The text is empty (or only spaces).
        case empty
        /// The text is not a number with one of the units.
        case unparsable
        /// The number is negative.
        case negative
        /// The number is infinite or not a number.
        case notFinite
        /// The duration is longer than ``DurationText/maximum``.
        case tooLarge
        /// The duration is zero where a caller needs more (``DurationText`` itself accepts zero).
        case notPositive
    }

    /// The input, cut to ``InputExcerpt/limit`` characters.
    public let input: String
    /// What is wrong with it.
    public let reason: Reason

    /// Creates the error for `input` (kept as an ``InputExcerpt``).
    public init(input: String, reason: Reason) {
        self.input = InputExcerpt.of(input)
        self.reason = reason
    }

    /// What is wrong, in words (such as `it is negative`).
    public var explanation: String {
        switch reason {
        case .empty: "it is empty"
        case .unparsable: "it is not a number followed by ms, s, m, h or d"
        case .negative: "it is negative"
        case .notFinite: "it is not a finite number"
        case .tooLarge: "it is longer than the maximum of 365 days"
        case .notPositive: "it must be more than zero"
        }
    }

    public var description: String {
        "'\(input)' is not a duration (\(explanation)); use for example 500ms, 30s, 5m, 1h or 2d, at most 365d"
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var secondsAsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `text` without leading and trailing ASCII spaces and tabs.
func trimmingASCIISpaces(_ text: Substring) -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
    else {
        return Substring()
    }
    return text[first...last]
}
