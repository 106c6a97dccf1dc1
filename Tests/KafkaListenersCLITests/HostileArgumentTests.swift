import KafkaListenersTesting
import Testing

/// Hostile numbers and durations on the real command line: each run ends with a usage or input error
/// (exit 64 or 2) and one message, never a crash. The parsers themselves are fuzzed in `ParserFuzzTests`
/// (`DurationText`, which `--for`, `--timeout` and `--wait` use).
@Suite("Hostile command-line arguments are refused, not crashed on", .timeLimit(.minutes(3)))
struct HostileArgumentTests {
    static let nowhere = ["--bootstrap-servers", "127.0.0.1:1"]

    @Test(
        "durations, partition counts, ports and dates beyond their ranges",
        arguments: [
            (["topics", "list", "--timeout", "1e300"], "1e300"), (["topics", "list", "--timeout", "inf"], "inf"),
            (["topics", "list", "--timeout", "nan"], "nan"), (["topics", "list", "--timeout=-5s"], "-5s"),
            (["topics", "list", "--timeout", "0"], "'0'"), (["topics", "list", "--timeout", "366d"], "366d"),
            (["topics", "list", "--timeout", "9223372036854775807ms"], "9223372036854775807ms"),
            (["listeners", "pause", "orders", "--for", "1e300"], "1e300"),
            (["produce", "t", "--partition", "2147483648"], "2147483648"),
            (["topics", "create", "t", "--partitions", "99999999999999999999"], "99999999999999999999"),
            (["groups", "reset-offsets", "g", "--topic", "t:99999999999", "--to-earliest"], "t:99999999999"),
            (
                ["groups", "reset-offsets", "g", "--topic", "t", "--to-offset=-9223372036854775808"],
                "-9223372036854775808"
            ),
            (
                ["groups", "reset-offsets", "g", "--topic", "t", "--to-datetime", "1969-01-01T00:00:00Z"],
                "1969-01-01T00:00:00Z"
            ),
            (["consume", "t", "--max=-9223372036854775808"], "-9223372036854775808"),
        ])
    func refused(arguments: [String], named: String) async throws {
        let result = try await CLI.run(arguments + Self.nowhere, timeout: .seconds(30))
        #expect(result.exitCode == 2 || result.exitCode == 64, "\(result)")
        #expect(result.stderr.contains(named), "\(result)")
    }

    @Test(
        "embedded: ports, broker counts and partition counts beyond their ranges",
        arguments: [
            (["embedded", "--port", "70000"], "70000"), (["embedded", "--port=-1"], "-1"),
            (["embedded", "--brokers", "9223372036854775807"], "9223372036854775807"),
            (["embedded", "--topic", "t:2147483648"], "t:2147483648"),
            (["embedded", "--topic", String(repeating: "x", count: 300) + ":1"], "at most 249 characters"),
        ])
    func embeddedRefused(arguments: [String], named: String) async throws {
        let result = try await CLI.run(arguments, timeout: .seconds(30))
        #expect(result.exitCode == 2 || result.exitCode == 64, "\(result)")
        #expect(result.stderr.contains(named), "\(result)")
    }
}
