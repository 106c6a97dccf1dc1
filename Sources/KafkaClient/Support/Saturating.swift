/// Arithmetic on numbers reported by brokers and others, which must not trap on overflow: results past
/// `Int64`'s range stop at `Int64.max` or `Int64.min`.
public enum Saturating {
    /// `a + b`, clamped to `Int64`'s range.
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    /// `a - b`, clamped to `Int64`'s range.
    public static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : difference
    }

    /// The sum of `values`, clamped to `Int64`'s range at every step.
    public static func sum(_ values: some Sequence<Int64>) -> Int64 {
        values.reduce(0, add)
    }

    /// `value` rounded toward zero as an `Int64`, clamped to its range; `nil` for NaN.
    public static func int64(_ value: Double) -> Int64? {
        guard !value.isNaN else { return nil }
        if value >= 9.223_372_036_854_775_807e18 { return .max }
        if value <= -9.223_372_036_854_775_808e18 { return .min }
        return Int64(value.rounded(.towardZero))
    }
}
