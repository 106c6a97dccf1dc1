import Foundation
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners: bad input fails before any request, in one line", .timeLimit(.minutes(10)))
struct TopicAndInputTests {
    /// Nothing listens here: a command that sent a request would wait for its timeout instead of failing at once.
    static let nowhere = ["--bootstrap-servers", "127.0.0.1:1", "--timeout", "30s"]

    @Test("bad topic names are refused by every command, with exit code 2")
    func badTopicNames() async throws {
        let commands: [[String]] = [
            ["topics", "describe", "bad name!"], ["topics", "create", "a/b", "--partitions", "1"],
            ["topics", "delete", ".."],
            ["produce", "bad name!"], ["consume", "__consumer_offsets"],
            ["groups", "describe", "g", "--topic", "bad name!"],
            ["groups", "reset-offsets", "g", "--topic", "bad name!:0", "--to-earliest"],
        ]
        for arguments in commands {
            let result = try await CLI.run(arguments + Self.nowhere, input: "x\n", timeout: .seconds(20))
            #expect(result.exitCode == 2, "\(arguments): \(result)")
            #expect(result.stderr.hasPrefix("kafka-listeners: invalid topic name"), "\(arguments): \(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result)")
        }
    }

    @Test("no cluster, bad options and bad values each get a clear error")
    func badOptions() async throws {
        let noCluster = try await CLI.run(["topics", "list"])
        #expect(noCluster.exitCode == 2, "\(noCluster)")
        #expect(
            noCluster.stderr
                == "kafka-listeners: no cluster given: pass --bootstrap-servers host:port or set KAFKA_BOOTSTRAP_SERVERS\n"
        )

        let twoTargets = try await CLI.run(
            ["groups", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"] + Self.nowhere)
        #expect(twoTargets.exitCode == 64, "\(twoTargets)")
        #expect(twoTargets.stderr.contains("give exactly one of --to-earliest"), "\(twoTargets)")

        let badDate = try await CLI.run(
            ["groups", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"] + Self.nowhere)
        #expect(badDate.exitCode == 2, "\(badDate)")
        #expect(badDate.stderr.contains("ISO 8601"), "\(badDate)")

        let badHeader = try await CLI.run(["produce", "t", "--header", "novalue"] + Self.nowhere, input: "x\n")
        #expect(badHeader.exitCode == 2, "\(badHeader)")
        #expect(badHeader.stderr.contains("--header takes key=value, got 'novalue'"), "\(badHeader)")

        let badDuration = try await CLI.run(["listeners", "pause", "orders", "--for", "soon"] + Self.nowhere)
        #expect(badDuration.exitCode == 64, "\(badDuration)")

        let unreachable = try await CLI.run(["topics", "list", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "1s"])
        #expect(unreachable.exitCode == 1, "\(unreachable)")
        #expect(unreachable.stderr.hasPrefix("kafka-listeners: cannot list topics"), "\(unreachable)")
        #expect(unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable)")
    }
}
