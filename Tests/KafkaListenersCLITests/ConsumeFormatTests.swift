import Foundation
import KafkaClient
import KafkaListenersCLICore
import KafkaListenersTesting
import Testing

/// `consume --format` (kcat's `-f`) against EmbeddedKafka, and control characters in records printed escaped.
@Suite("kafka-listeners consume --format and escaping", .timeLimit(.minutes(10)))
struct ConsumeFormatTests {
    static let evilKey = "k\u{1b}]0;owned\u{7}"
    static let evilValue = "line1\nline2\u{1b}[2J\u{9b}31m\r\u{202e}end"

    /// A one-partition topic with a plain record (headers, one without a value), a hostile one and a tombstone.
    func topicWithRecords() async throws -> String {
        let topic = try await kafka.topic("cli-format", partitions: 1)
        let producer = try KafkaProducer(configuration: kafka.producerConfig())
        try await producer.send(
            ProducerRecord(
                topic: topic, key: "k1", value: "hello",
                headers: [RecordHeader(key: "trace", string: "abc"), RecordHeader(key: "flag", value: nil)],
                timestampMilliseconds: 1_700_000_000_123))
        try await producer.send(
            ProducerRecord(
                topic: topic, key: Self.evilKey, value: Self.evilValue,
                headers: [RecordHeader(key: "h\u{1b}[1m", string: "v\r\n")],
                timestampMilliseconds: 1_700_000_000_456))
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: nil as [UInt8]?))
        await producer.close()
        return topic
    }

    @Test("a format string prints topic, partition, offset, key, value, headers, lengths and timestamp, with escapes")
    func formatString() async throws {
        let topic = try await topicWithRecords()
        let result = try await CLI.run(
            ["consume", topic, "--from-beginning", "--max", "3", "-f", "%t|%p|%o|%k|%s|%h|%K|%S|%T|100%%\\t.\\n"]
                + CLI.cluster)
        #expect(result.exitCode == 0, "\(result)")
        #expect(result.lines.count == 3, "\(result)")
        #expect(result.lines.first == "\(topic)|0|0|k1|hello|trace=abc,flag|2|5|1700000000123|100%\t.", "\(result)")
        let hostile =
            "\(topic)|0|1|k\\x1B]0;owned\\x07|line1\\nline2\\x1B[2J\\x9B31m\\r\\u{202E}end|h\\x1B[1m=v\\r\\n"
            + "|\(Self.evilKey.utf8.count)|\(Self.evilValue.utf8.count)|1700000000456|100%\t."
        #expect(result.lines.dropFirst().first == hostile, "\(result)")
        #expect(result.lines.last?.hasPrefix("\(topic)|0|2||||-1|-1|") == true, "a tombstone without key: \(result)")
        #expect(
            !result.stdout.unicodeScalars.contains {
                CLIParserFuzzTests.drivesTerminal($0) && $0 != "\n" && $0 != "\t"
            }, "\(result.stdout.debugDescription)")
    }

    @Test("the default output escapes control characters and is otherwise unchanged; JSON keeps the exact text")
    func defaultAndJSON() async throws {
        let topic = try await topicWithRecords()
        let text = try await CLI.run(["consume", topic, "--from-beginning", "--max", "3"] + CLI.cluster)
        #expect(text.exitCode == 0, "\(text)")
        #expect(
            text.lines == [
                "partition=0 offset=0 key=k1 value=hello",
                "partition=0 offset=1 key=k\\x1B]0;owned\\x07 value=line1\\nline2\\x1B[2J\\x9B31m\\r\\u{202E}end",
                "partition=0 offset=2 key=null value=null",
            ], "\(text)")
        #expect(
            !text.stdout.unicodeScalars.contains { CLIParserFuzzTests.drivesTerminal($0) && $0 != "\n" },
            "\(text.stdout.debugDescription)")

        let json = try await CLI.run(
            ["consume", topic, "--from-beginning", "--max", "2", "--output", "json"] + CLI.cluster)
        #expect(json.exitCode == 0, "\(json)")
        #expect(!json.stdout.contains("\u{1b}"), "JSON escapes ESC itself: \(json.stdout.debugDescription)")
        let records = try json.lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(
            records.last?["key"] as? String == Self.evilKey && records.last?["value"] as? String == Self.evilValue,
            "\(json)")
    }

    @Test("a bad format, or --format with --output json, is refused before any request")
    func refusedFormats() async throws {
        for (format, named) in [
            ("%x", "unknown token '%x' at position 1"), ("ab%", "lone '%'"), ("\\q", "unknown escape '\\q'"),
            ("a\\", "lone '\\'"),
        ] {
            let result = try await CLI.run(["consume", "t", "-f", format, "--bootstrap-servers", "127.0.0.1:1"])
            #expect(
                result.exitCode == 2 && result.stderr.contains(named) && result.stdout.isEmpty, "\(format): \(result)")
        }
        let both = try await CLI.run([
            "consume", "t", "--format", "%s", "--output", "json", "--bootstrap-servers", "127.0.0.1:1",
        ])
        #expect(both.exitCode == 2 && both.stderr.contains("--format and --output json exclude each other"), "\(both)")
    }
}
