import Foundation
import KafkaClient
import KafkaListenersTesting
import Testing

/// `--command-config FILE` and `-X key=value` on the real command line, against EmbeddedKafka: precedence, errors that
/// name the key and where it came from, and secrets that never reach stdout or stderr.
@Suite("kafka-listeners --command-config and -X", .timeLimit(.minutes(10)))
struct CommandConfigTests {
    static let secret = "Pa55-w0rd-never-shown"
    /// Nothing listens here: a command that used it would fail to connect.
    static let nowhere = "127.0.0.1:1"

    static func expectNoSecret(
        _ result: CLIResult, _ secret: String = secret, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            !result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result)",
            sourceLocation: sourceLocation)
    }

    /// A refusal: exit code 2, one line on stderr naming each of `named`, nothing on stdout, no secret.
    static func expectRefused(
        _ result: CLIResult, naming named: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.exitCode == 2, "\(result)", sourceLocation: sourceLocation)
        #expect(
            result.stderr.hasPrefix("kafka-listeners: ") && result.stderr.split(separator: "\n").count == 1,
            "\(result)", sourceLocation: sourceLocation)
        for name in named {
            #expect(result.stderr.contains(name), "\(name) in \(result)", sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
        expectNoSecret(result, sourceLocation: sourceLocation)
    }

    @Test(
        "a properties file and -X reach the client; precedence is file < -X < --bootstrap-servers; the secret stays unprinted"
    )
    func fileAndOptions() async throws {
        let topic = try await kafka.topic("cli-config", partitions: 2)
        let file = try TemporaryFile(
            """
            # Kafka tools' client.properties format
            ! another comment

            bootstrap.servers=\(Self.nowhere)
            client.id: cli-\\
                properties
            sasl.password = \(Self.secret)
            socket.keepalive.enable true
            """)
        defer { file.remove() }

        // -X beats the file's unreachable bootstrap.servers.
        let listed = try await CLI.run(
            [
                "topics", "list", "--command-config", file.path, "-X", "bootstrap.servers=\(kafka.bootstrapServers)",
                "-Xreconnect.backoff.ms=50",
            ])
        #expect(listed.exitCode == 0, "\(listed)")
        #expect(listed.lines.contains { $0.hasPrefix(topic) }, "\(listed)")
        Self.expectNoSecret(listed)

        // --bootstrap-servers beats -X.
        let flagged = try await CLI.run(
            ["topics", "describe", topic, "--command-config", file.path, "-X", "bootstrap.servers=\(Self.nowhere)"]
                + CLI.cluster)
        #expect(flagged.exitCode == 0, "\(flagged)")
        #expect(flagged.stdout.contains("Partitions: 2"), "\(flagged)")

        // Without --bootstrap-servers, the file's bootstrap.servers is used (here: nowhere, so the request fails).
        let fromFile = try await CLI.run(["topics", "list", "--command-config", file.path, "--timeout", "1s"])
        #expect(
            fromFile.exitCode == 1 && fromFile.stderr.hasPrefix("kafka-listeners: cannot list topics"), "\(fromFile)")
        Self.expectNoSecret(fromFile)

        // Even with librdkafka's debug logging on, the secret is not printed.
        let debug = try await CLI.run(
            ["topics", "list", "--command-config", file.path, "-X", "debug=conf,security,broker", "-X", "log_level=7"]
                + CLI.cluster,
            environment: ["KAFKA_LISTENERS_LOG_LEVEL": "trace"])
        #expect(debug.exitCode == 0, "\(debug)")
        #expect(
            debug.stderr.contains("sasl.password") || debug.stderr.count > 1_000,
            "debug logging printed something: \(debug)")
        Self.expectNoSecret(debug)
    }

    @Test("-X wins over the command's default and --from-beginning over -X: where a new group starts")
    func consumerPrecedence() async throws {
        let topic = try await kafka.topic("cli-offset-reset", partitions: 1)
        try await kafka.produce(3, to: topic, keys: 1)
        // The command's default is auto.offset.reset=latest; -X earliest makes a new group read the existing records.
        let earliest = try await CLI.run(
            [
                "consume", topic, "--group", kafka.unique("cli-g"), "--max", "3", "-X", "auto.offset.reset=earliest",
                "--format", "%o\\n",
            ] + CLI.cluster)
        #expect(earliest.exitCode == 0, "\(earliest)")
        #expect(earliest.lines == ["0", "1", "2"], "\(earliest)")
        // --from-beginning is a dedicated option: it beats -X auto.offset.reset=latest from the file and the command line.
        let file = try TemporaryFile("auto.offset.reset=latest\n")
        defer { file.remove() }
        let fromBeginning = try await CLI.run(
            [
                "consume", topic, "--group", kafka.unique("cli-g"), "--max", "3", "--from-beginning",
                "--command-config", file.path,
                "-X", "auto.offset.reset=latest", "-f", "%o\\n",
            ] + CLI.cluster)
        #expect(fromBeginning.exitCode == 0, "\(fromBeginning)")
        #expect(fromBeginning.lines == ["0", "1", "2"], "\(fromBeginning)")
    }

    @Test("a key or value librdkafka refuses is an error naming the key and where it came from, on every command")
    func refusedSettings() async throws {
        let commands: [[String]] = [
            ["topics", "list"], ["topics", "describe", "t"], ["topics", "create", "t"], ["topics", "delete", "t"],
            ["produce", "t"],
            ["consume", "t"], ["groups", "list"], ["groups", "describe", "g"],
            ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest"],
            ["listeners", "status", "--insecure-control-plane"],
        ]
        for command in commands {
            let result = try await CLI.run(
                command + ["-X", "client.id=x", "-X", "no.such.property=1"] + CLI.cluster, input: "")
            Self.expectRefused(result, naming: ["no.such.property", "-X number 2"])
        }

        let file = try TemporaryFile(
            "sasl.password=\(Self.secret)\n# the next line is wrong\nsocket.timeout.ms = soon\n", name: "bad-value")
        defer { file.remove() }
        let badValue = try await CLI.run(["topics", "list", "--command-config", file.path] + CLI.cluster)
        Self.expectRefused(badValue, naming: ["\(file.path) line 3", "socket.timeout.ms"])

        // A secret key's bad value is not repeated (librdkafka's own check of the unsecured JWT settings).
        let jwt = try await CLI.run(
            [
                "topics", "list", "-X", "enable.sasl.oauthbearer.unsecure.jwt=true", "-X",
                "sasl.oauthbearer.config=\(Self.secret)",
            ] + CLI.cluster)
        Self.expectRefused(jwt, naming: ["-X number 2", "sasl.oauthbearer.config"])
    }

    @Test(
        "malformed, binary, non-UTF-8, huge and missing files and malformed -X are refused with the file and line, not crashed on"
    )
    func malformedInput() async throws {
        let cases: [(bytes: [UInt8], named: [String])] = [
            (Array("client.id=a\n\n# fine so far\njustoneword\n".utf8), ["line 4", "no '=', ':' or value"]),
            (Array("client.id=a\n\(Self.secret)\n".utf8), ["line 2"]),
            (Array("=value\n".utf8), ["line 1", "empty key"]),
            (Array("client.id=\\u12G4\n".utf8), ["line 1", "client.id", "\\u"]),
            (Array("client.id=a\nk=\\u0000\n".utf8), ["line 2", "NUL"]),
            (Array("client.id=a\n".utf8) + [0x00, 0x01, 0x02], ["line 2", "not a text file"]),
            (Array("client.id=a\nsasl.password=".utf8) + [0xC3, 0x28] + Array("\n".utf8), ["line 2", "not UTF-8"]),
            (Array(repeating: UInt8(ascii: "#"), count: 2 << 20), ["larger than 1024 KiB"]),
        ]
        for (bytes, named) in cases {
            let file = try TemporaryFile(bytes, name: "malformed")
            defer { file.remove() }
            let result = try await CLI.run(["topics", "list", "--command-config", file.path] + CLI.cluster)
            Self.expectRefused(result, naming: [file.path] + named)
        }
        let missing = try await CLI.run(
            ["topics", "list", "--command-config", "/nonexistent/client.properties"] + CLI.cluster)
        Self.expectRefused(missing, naming: ["/nonexistent/client.properties", "no such file"])
        let directory = try await CLI.run(
            ["topics", "list", "--command-config", FileManager.default.temporaryDirectory.path] + CLI.cluster)
        Self.expectRefused(directory, naming: ["is a directory"])
        // /dev/zero never ends: it is read up to the limit, not forever.
        let endless = try await CLI.run(["topics", "list", "--command-config", "/dev/zero"] + CLI.cluster)
        Self.expectRefused(endless, naming: ["/dev/zero", "larger than"])

        let noEquals = try await CLI.run(["topics", "list", "-X", "client.id=a", "-X", Self.secret] + CLI.cluster)
        Self.expectRefused(noEquals, naming: ["-X number 2", "no '='"])
        let emptyKey = try await CLI.run(["topics", "list", "-X", "=\(Self.secret)"] + CLI.cluster)
        Self.expectRefused(emptyKey, naming: ["-X number 1", "empty key"])
    }
}
