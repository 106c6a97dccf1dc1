import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

@Suite("kafka-listeners listeners: status, pause and resume through the control plane", .timeLimit(.minutes(5)))
struct ListenersCommandTests {
    @Test("each instance's reply is printed; pause and resume reach the registry; unknown ids fail")
    func controlPlane() async throws {
        let topic = try await kafka.topic("cli-listeners", partitions: 2)
        let control = try await kafka.topic("cli-control", partitions: 1)
        let replies = try await kafka.topic("cli-replies", partitions: 1)
        let registry = ListenerRegistry(
            baseConfiguration: kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        try registry.register(
            ListenerEndpoint(
                id: "orders", selection: .topics([topic]), listener: .record { _, _ in }, groupId: kafka.unique("cli-l")
            ))
        try await registry.startAll()
        let pauses = PauseService(registry: registry)
        let keyFile = try ControlKeyFile.make()
        defer { keyFile.remove() }
        let plane = try ControlPlane(
            registry: registry, pauses: pauses, configuration: kafka.configuration(), security: keyFile.security,
            controlTopic: control,
            replyTopic: replies, instanceId: "pod-1")
        try await plane.start()
        try await waitUntil("assigned", timeout: .seconds(60), observed: { "\(registry.status)" }) {
            !registry.status[0].children[0].assignedPartitions.isEmpty
        }
        let topics = ["--control-topic", control, "--reply-topic", replies]
        let planeArguments = topics + ["--wait", "20s", "--control-key-file", keyFile.path] + CLI.cluster

        let status = try await CLI.run(["listeners", "status"] + planeArguments)
        #expect(status.exitCode == 0, "\(status)")
        #expect(status.lines.first == "pod-1:", "\(status)")
        #expect(
            status.lines.contains {
                $0.contains("orders") && $0.contains("yes") && $0.contains("\(topic)-0,\(topic)-1")
            }, "\(status)")

        let pause = try await CLI.run(["listeners", "pause", "orders", "--for", "30s"] + planeArguments)
        #expect(pause.exitCode == 0, "\(pause)")
        #expect(pause.stdout == "pod-1: applied\n")
        #expect(registry.status[0].isPauseRequested)

        let json = try await CLI.run(["listeners", "status", "orders", "--output", "json"] + planeArguments)
        #expect(json.exitCode == 0, "\(json)")
        let replyList = try #require(try json.json() as? [[String: Any]])
        #expect(replyList.first?["instance"] as? String == "pod-1")
        let listener = (replyList.first?["listeners"] as? [[String: Any]])?.first
        #expect(listener?["id"] as? String == "orders" && listener?["pauseRequested"] as? Bool == true, "\(replyList)")

        let resume = try await CLI.run(["listeners", "resume", "orders"] + planeArguments)
        #expect(resume.exitCode == 0 && resume.stdout == "pod-1: applied\n", "\(resume)")
        #expect(!registry.status[0].isPauseRequested)

        let unknown = try await CLI.run(["listeners", "pause", "nope"] + planeArguments)
        #expect(unknown.exitCode == 1, "\(unknown)")
        #expect(unknown.stdout == "pod-1: no such listener\n")
        #expect(unknown.stderr.contains("not every instance applied the command"), "\(unknown)")

        let missing = try await CLI.run(
            ["listeners", "status", "--instances", "2", "--wait", "3s"] + topics + CLI.cluster,
            environment: ["KAFKALISTENERS_CONTROL_KEY": keyFile.key.exportedLine()])
        #expect(missing.exitCode == 1, "\(missing)")
        #expect(missing.stderr.contains("1 of 2 instances answered"), "\(missing)")

        // Unsigned (asked for explicitly) and signed with another key: the plane rejects both, answers neither.
        let unsigned = try await CLI.run(
            ["listeners", "pause", "orders", "--insecure-control-plane", "--wait", "3s"] + topics + CLI.cluster)
        #expect(unsigned.exitCode == 1 && unsigned.stderr.contains("0 of 1 instances answered"), "\(unsigned)")
        let otherKey = try ControlKeyFile.make()
        defer { otherKey.remove() }
        let forged = try await CLI.run(
            ["listeners", "pause", "orders", "--control-key-file", otherKey.path, "--wait", "3s"] + topics + CLI.cluster
        )
        #expect(forged.exitCode == 1 && forged.stderr.contains("0 of 1 instances answered"), "\(forged)")
        try await waitUntil("both rejected", observed: { "\(plane.rejections)" }) {
            plane.rejections[.unsigned] == 1 && plane.rejections[.unknownKey] == 1
        }
        #expect(!registry.status[0].isPauseRequested)

        await plane.stop()
        await registry.stopAll()
    }

    @Test("the key comes from a file or the environment; without one (or insecure mode, asked for) nothing is sent")
    func keySources() async throws {
        let plane =
            ["--control-topic", "cli-keys-control", "--reply-topic", "cli-keys-replies", "--wait", "1s"] + CLI.cluster

        let none = try await CLI.run(["listeners", "status"] + plane)
        #expect(none.exitCode == 2 && none.stderr.contains("no control-plane key"), "\(none)")
        #expect(none.stderr.contains("KAFKALISTENERS_CONTROL_KEY"), "\(none)")

        // The listener-override prefix is not read for the key.
        let overridePrefix = try await CLI.run(
            ["listeners", "status"] + plane,
            environment: ["KAFKA_LISTENERS_CONTROL_KEY": ControlPlaneKey.generate().exportedLine()])
        #expect(
            overridePrefix.exitCode == 2 && overridePrefix.stderr.contains("no control-plane key"), "\(overridePrefix)")

        let keyFile = try ControlKeyFile.make()
        defer { keyFile.remove() }
        let both = try await CLI.run(
            ["listeners", "status", "--control-key-file", keyFile.path, "--insecure-control-plane"] + plane)
        #expect(both.exitCode == 2 && both.stderr.contains("exclude each other"), "\(both)")

        let absent = try await CLI.run(
            ["listeners", "status", "--control-key-file", "/nonexistent/control.key"] + plane)
        #expect(
            absent.exitCode == 2
                && absent.stderr.contains("cannot read the control-plane key file /nonexistent/control.key"),
            "\(absent)")

        // Bad key material: the message names the source, never the text.
        let secretish = "ThisIsMyPassword"
        let badFile = keyFile.path + ".bad"
        #expect(
            FileManager.default.createFile(
                atPath: badFile, contents: Data("ops:\(secretish)\n".utf8), attributes: [.posixPermissions: 0o600]))
        defer { try? FileManager.default.removeItem(atPath: badFile) }
        let bad = try await CLI.run(["listeners", "status", "--control-key-file", badFile] + plane)
        #expect(bad.exitCode == 2 && bad.stderr.contains("key 1 in \(badFile)"), "\(bad)")
        #expect(!bad.stderr.contains(secretish) && !bad.stdout.contains(secretish), "\(bad)")
        let short = Data(repeating: 7, count: 16).base64EncodedString()
        let shortKey = try await CLI.run(
            ["listeners", "status"] + plane, environment: ["KAFKALISTENERS_CONTROL_KEY": short])
        #expect(shortKey.exitCode == 2 && shortKey.stderr.contains("32 to 1024 secret bytes, got 16"), "\(shortKey)")
        #expect(!shortKey.stderr.contains(short), "\(shortKey)")

    }
}
