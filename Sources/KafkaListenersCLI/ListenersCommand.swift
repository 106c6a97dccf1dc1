import ArgumentParser
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersCLICore

/// `kafka-listeners listeners status | pause | resume`, through the control plane.
struct ListenersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listeners",
        abstract: "Ask every running instance's listeners for their status, pause or resume them.",
        discussion: """
            Commands go to the control topic; each instance running a ControlPlane answers on the reply topic. The command \
            waits for --instances replies or until --wait passes, then prints every reply it got, one per instance. It \
            exits with 1 when fewer instances answered than expected, or when any of them failed.

            Commands are signed with the control-plane key, read from --control-key-file or from the \
            \(PlaneOptions.keyVariable) environment variable (never from an argument): one key per line, ID:BASE64 or \
            BASE64 (32 or more bytes, such as `openssl rand -base64 32`); the first key signs, every key verifies the \
            replies. --insecure-control-plane sends unsigned commands, for planes that run without authentication.
            """,
        subcommands: [Status.self, Pause.self, Resume.self])

    /// Where the control plane listens and how long to wait for it.
    struct PlaneOptions: ParsableArguments {
        @Option(help: "The control topic.") var controlTopic = "kafka-listeners-control"
        @Option(help: "The reply topic.") var replyTopic = "kafka-listeners-control-replies"
        @Option(help: "How many instances should answer.") var instances = 1
        @Option(help: "How long to wait for the replies.") var wait = DurationArgument(.seconds(10))
        @Option(
            help: ArgumentHelp("A file with the control-plane key(s) (default: $\(keyVariable)).", valueName: "path"))
        var controlKeyFile: String?
        @Flag(help: "Send unsigned commands and accept unsigned replies (only for planes without authentication).")
        var insecureControlPlane = false

        /// The environment variable that may hold the keys (outside the `KAFKA_LISTENERS_` listener-override prefix).
        static let keyVariable = "KAFKALISTENERS_CONTROL_KEY"

        /// The security to send with: the key file, else the environment variable, else (only when asked) none.
        ///
        /// - Throws: ``CLIFailure`` (exit code 2) when no key is given and insecure mode was not asked for, when both
        ///   were, or when the keys cannot be read (the message never contains key material).
        func security(
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws -> ControlPlaneSecurity {
            let keys: [ControlPlaneKey]?
            do {
                if let controlKeyFile {
                    keys = try ControlPlaneKey.load(contentsOfFile: controlKeyFile)
                } else if let text = environment[Self.keyVariable],
                    !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                {
                    keys = try ControlPlaneKey.parseList(text, source: "$\(Self.keyVariable)")
                } else {
                    keys = nil
                }
            } catch let error as ControlPlaneKeyError {
                throw CLIFailure(message: error.message, exitCode: 2)
            }
            switch (keys, insecureControlPlane) {
            case (let keys?, false): return .signed(keys)
            case (nil, true): return .insecureNoAuthentication
            case (_?, true):
                throw CLIFailure(
                    message: "--insecure-control-plane and a control-plane key exclude each other", exitCode: 2)
            case (nil, false):
                throw CLIFailure(
                    message: "no control-plane key: pass --control-key-file PATH or set \(Self.keyVariable) "
                        + "(or --insecure-control-plane for planes that run without authentication)",
                    exitCode: 2)
            }
        }
    }

    /// A reply as JSON shows it.
    struct ReplyJSON: Encodable {
        var instance: String
        var outcome: String
        var reason: String?
        var listeners: [ControlReply.ListenerSummary]?
    }

    /// Sends `action` on the control topic and returns the replies that arrived within `plane.wait`.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) for a bad topic name or `--instances` below 1; the client's errors.
    static func request(
        _ action: ControlCommand.Action, connection: ConnectionOptions, plane: PlaneOptions
    ) async throws -> [ControlReply] {
        let controlTopic = try validatedTopic(plane.controlTopic)
        let replyTopic = try validatedTopic(plane.replyTopic)
        guard plane.instances >= 1 else {
            throw CLIFailure(message: "--instances must be at least 1, got \(plane.instances)", exitCode: 2)
        }
        let security = try plane.security()
        let client = try ControlPlaneClient(
            configuration: try connection.configuration(), security: security, controlTopic: controlTopic,
            replyTopic: replyTopic)
        let replies: [ControlReply]
        do {
            replies = try await client.send(
                ControlCommand(action), expectedReplies: plane.instances, timeout: plane.wait.duration)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return replies
    }

    /// Sends `action` and prints the replies.
    static func send(
        _ action: ControlCommand.Action, connection: ConnectionOptions, plane: PlaneOptions, output: OutputOptions
    ) async throws {
        let replies = try await request(action, connection: connection, plane: plane)
        let sorted = replies.sorted { $0.instanceId < $1.instanceId }
        if output.json {
            try Terminal.printJSON(sorted.map(json))
        } else {
            for reply in sorted { print(reply) }
        }
        if replies.count < plane.instances {
            throw CLIFailure(
                message:
                    "\(replies.count) of \(plane.instances) instances answered within \(plane.wait.defaultValueDescription)"
            )
        }
        if replies.contains(where: {
            if case .applied = $0.outcome { false } else if case .status = $0.outcome { false } else { true }
        }) {
            throw CLIFailure(message: "not every instance applied the command (see the replies above)")
        }
    }

    static func json(_ reply: ControlReply) -> ReplyJSON {
        switch reply.outcome {
        case .applied: ReplyJSON(instance: reply.instanceId, outcome: "applied")
        case .unknownListener: ReplyJSON(instance: reply.instanceId, outcome: "unknownListener")
        case .failed(let reason): ReplyJSON(instance: reply.instanceId, outcome: "failed", reason: reason)
        case .status(let listeners): ReplyJSON(instance: reply.instanceId, outcome: "status", listeners: listeners)
        }
    }

    static func print(_ reply: ControlReply) {
        switch reply.outcome {
        case .applied: Terminal.print("\(reply.instanceId): applied")
        case .unknownListener: Terminal.print("\(reply.instanceId): no such listener")
        case .failed(let reason): Terminal.print("\(reply.instanceId): failed: \(reason)")
        case .status(let listeners):
            Terminal.print("\(reply.instanceId):")
            Terminal.printTable(
                ["  LISTENER", "RUNNING", "PAUSED", "PAUSE-REQUESTED", "PARTITIONS", "PAUSED-PARTITIONS"],
                listeners.map {
                    [
                        "  \($0.id)", $0.running ? "yes" : "no", $0.paused ? "yes" : "no",
                        $0.pauseRequested ? "yes" : "no",
                        $0.assignedPartitions.isEmpty ? "-" : $0.assignedPartitions.joined(separator: ","),
                        pausedPartitions($0.pausedPartitions),
                    ]
                })
        }
    }

    /// `t-0 (container, partition; resumes in 25 s) t-3 (nack)`, or `-`.
    static func pausedPartitions(_ paused: [ControlReply.PausedPartitionSummary]?) -> String {
        guard let paused, !paused.isEmpty else { return "-" }
        return paused.map { entry in
            let resume = entry.resumeInSeconds.map { "; resumes in \(($0 * 10).rounded() / 10) s" } ?? ""
            return "\(entry.partition) (\(entry.reasons.joined(separator: ", "))\(resume))"
        }.joined(separator: " ")
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each instance's listeners: running, paused, partitions.")
        @Argument(help: "Only this listener.") var id: String?
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var plane: PlaneOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await ListenersCommand.send(
                .status(listenerId: id), connection: connection, plane: plane, output: output)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a listener, or one of its partitions, on every instance, now or for a while.",
            discussion: """
                With --partition, only that partition is paused, in whichever instance and child own it now or \
                later; the listener's other partitions keep flowing, and resuming the whole listener does not lift it.
                """)
        @Argument(help: "The listener's id.") var id: String
        @Option(help: "Pause only this partition, as TOPIC:N.", transform: PartitionArgument.parse) var partition:
            PartitionArgument?
        @Option(name: .customLong("for"), help: "Resume after this long, such as 30s.") var duration: DurationArgument?
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var plane: PlaneOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIFailure(message: "a listener id must not be empty", exitCode: 2)
            }
            let seconds = duration.map { $0.duration / .seconds(1) }
            let action: ControlCommand.Action =
                if let partition {
                    .pausePartition(
                        listenerId: id, topic: partition.topic, partition: partition.number, seconds: seconds)
                } else {
                    .pause(listenerId: id, seconds: seconds)
                }
            try await ListenersCommand.send(action, connection: connection, plane: plane, output: output)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a listener, or one of its partitions, on every instance.",
            discussion:
                "With --partition, only that partition's own pause is lifted; a pause of the whole listener stays.")
        @Argument(help: "The listener's id.") var id: String
        @Option(help: "Resume only this partition, as TOPIC:N.", transform: PartitionArgument.parse) var partition:
            PartitionArgument?
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var plane: PlaneOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIFailure(message: "a listener id must not be empty", exitCode: 2)
            }
            let action: ControlCommand.Action =
                if let partition {
                    .resumePartition(listenerId: id, topic: partition.topic, partition: partition.number)
                } else {
                    .resume(listenerId: id)
                }
            try await ListenersCommand.send(action, connection: connection, plane: plane, output: output)
        }
    }
}
