import Foundation
import KafkaClient
import KafkaListenersTesting
import Logging
import Testing

@testable import KafkaListeners

@Suite("Control plane under forged commands and replies: two instances", .timeLimit(.minutes(5)))
struct ControlPlaneForgeryTests {
    /// One instance: listener `orders` in a registry, its control plane and what its plane logged.
    struct Instance {
        let registry: ListenerRegistry
        let plane: ControlPlane
        let recorder: Recorder
        let log: LogCapture

        var orders: ListenerStatus { registry.status[0] }
        var polls: Int { registry.childContainer(id: "orders-0")?.pollsCompleted ?? 0 }
    }

    func instance(
        _ name: String, security: ControlPlaneSecurity, topic: String, group: String, control: String, replies: String
    ) async throws -> Instance {
        let registry = makeRegistry()
        let recorder = Recorder()
        try registry.register(
            ListenerEndpoint(
                id: "orders", selection: .topics([topic]), listener: .record { r, c in recorder.note(r, c) },
                groupId: group))
        let log = LogCapture()
        let plane = try ControlPlane(
            registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
            security: security,
            controlTopic: control, replyTopic: replies, instanceId: name, logger: log.logger("control.\(name)"))
        try await registry.startAll()
        try await plane.start()
        return Instance(registry: registry, plane: plane, recorder: recorder, log: log)
    }

    @Test(
        "forged, stale, future, replayed and oversize commands are rejected and logged by both instances; nothing changes; signed commands still work"
    )
    func forgedCommands() async throws {
        let key = ControlPlaneKey.generate()
        let security = ControlPlaneSecurity.signed(key)
        let topic = try await kafka.topic("forgery", partitions: 2)
        let control = try await kafka.topic("forgery-control", partitions: 1)
        let replies = try await kafka.topic("forgery-replies", partitions: 1)
        let group = kafka.unique("forgery")
        async let first = instance(
            "pod-a", security: security, topic: topic, group: group, control: control, replies: replies)
        async let second = instance(
            "pod-b", security: security, topic: topic, group: group, control: control, replies: replies)
        let instances = try await [first, second]
        try await waitUntil("group settled", observed: { "\(instances.map(\.orders))" }) {
            instances.allSatisfy { $0.orders.children.allSatisfy { !$0.assignedPartitions.isEmpty } }
        }
        let client = try ControlPlaneClient(
            configuration: kafka.configuration(), security: security, controlTopic: control, replyTopic: replies)
        let producer = try KafkaProducer(configuration: kafka.configuration())
        func publish(_ bytes: [UInt8]) async throws {
            _ = try await producer.send(ProducerRecord(topic: control, value: bytes))
        }
        func handled() -> Int { instances.map(\.recorder.count).reduce(0, +) }

        // A genuine pause, then a genuine resume: the pause's bytes are kept for a replay below.
        let signer = try ControlCommandVerifier(security: security)
        let pause = ControlCommand(.pause(listenerId: "orders", seconds: nil))
        let pauseBytes = try signer.seal(pause)
        let paused = try await client.send(raw: pauseBytes, commandId: pause.id, expectedReplies: 2)
        #expect(paused.count == 2 && paused.allSatisfy { $0.outcome == .applied }, "\(paused)")
        let resumed = try await client.send(ControlCommand(.resume(listenerId: "orders")), expectedReplies: 2)
        #expect(resumed.count == 2 && resumed.allSatisfy { $0.outcome == .applied }, "\(resumed)")
        #expect(instances.allSatisfy { !$0.orders.isPauseRequested })

        // The forgeries, each a pause (or worse) every instance must refuse.
        let plainJSON = try ControlCommandVerifier.encoder.encode(
            ControlCommand(.pause(listenerId: "orders", seconds: nil)))
        try await publish(Array(plainJSON))  // the pre-envelope format: malformedEnvelope
        let unsigned = try ControlCommandVerifier(security: .insecureNoAuthentication)
        try await publish(try unsigned.seal(ControlCommand(.stop(listenerId: "orders"))))  // unsigned
        let hugeNumber =
            #"{"id":"\#(UUID())","timestamp":"\#(ISO8601DateFormatter().string(from: Date()))","action":{"setMaxConcurrency":{"listenerId":"orders","value":9223372036854775807}}}"#
        // unsigned, oversize number
        try await publish(ControlEnvelope.seal(Array(hugeNumber.utf8), purpose: .command, key: nil))
        let stranger = try ControlCommandVerifier(security: .signed(ControlPlaneKey.generate()))
        // unknownKey
        try await publish(try stranger.seal(ControlCommand(.pause(listenerId: "orders", seconds: nil))))
        let impostor = try ControlCommandVerifier(
            security: .signed(ControlPlaneKey(id: key.id, secret: Array(repeating: UInt8(42), count: 32))))
        // badSignature
        try await publish(try impostor.seal(ControlCommand(.pause(listenerId: "orders", seconds: nil))))
        // stale
        try await publish(
            try signer.seal(ControlCommand(.pause(listenerId: "orders", seconds: nil), timestamp: Date() - 600)))
        // fromTheFuture
        try await publish(
            try signer.seal(ControlCommand(.pause(listenerId: "orders", seconds: nil), timestamp: Date() + 600)))
        try await publish(pauseBytes)  // replayed
        try await publish(Array(repeating: UInt8(ascii: "{"), count: 70_000))  // oversize

        let expected: [ControlMessageRejection.Reason: Int] = [
            .malformedEnvelope: 1, .unsigned: 2, .unknownKey: 1, .badSignature: 1, .stale: 1, .fromTheFuture: 1,
            .replayed: 1, .oversize: 1,
        ]
        try await waitUntil("both planes rejected all nine", observed: { "\(instances.map(\.plane.rejections))" }) {
            instances.allSatisfy { $0.plane.rejections == expected }
        }
        for instance in instances {
            let warned = instance.log.lines(atLeast: .warning).compactMap { $0.metadata["control.rejection"] }
            #expect(
                Dictionary(warned.map { ($0, 1) }, uniquingKeysWith: +)
                    == Dictionary(uniqueKeysWithValues: expected.map { ($0.key.rawValue, $0.value) }),
                "\(instance.log.lines(atLeast: .warning))")
            #expect(instance.log.lines.withLock { $0.allSatisfy { !$0.message.contains(key.exportedBase64()) } })
        }

        // A signed command with out-of-range numbers: answered failed, applied nowhere.
        let huge = try await client.send(
            ControlCommand(.setMaxConcurrency(listenerId: "orders", value: .max)), expectedReplies: 2)
        #expect(
            huge.count == 2
                && huge.allSatisfy {
                    $0.outcome
                        == .failed(reason: "maxConcurrency must be at least 1 and at most 100000, got \(Int.max)")
                }, "\(huge)")
        let endless = try await client.send(
            ControlCommand(.pause(listenerId: "orders", seconds: 1e300)), expectedReplies: 2)
        #expect(
            endless.count == 2
                && endless.allSatisfy {
                    if case .failed(let reason) = $0.outcome { reason.contains("a pause must last") } else { false }
                })

        // Nothing changed: not paused, records keep flowing to both.
        #expect(
            instances.allSatisfy { !$0.orders.isPauseRequested && !$0.orders.isPaused }, "\(instances.map(\.orders))")
        let before = handled()
        try await kafka.produce(20, to: topic)
        try await waitUntil("20 more records handled", observed: { "\(handled() - before)" }) {
            handled() - before == 20
        }
        #expect(
            instances.allSatisfy { $0.recorder.count > 0 },
            "both instances handled records: \(instances.map(\.recorder.count))")

        // Both keep serving: a signed pause takes effect on both and delivery stops.
        let pausedAgain = try await client.send(
            ControlCommand(.pause(listenerId: "orders", seconds: nil)), expectedReplies: 2)
        #expect(pausedAgain.count == 2 && pausedAgain.allSatisfy { $0.outcome == .applied }, "\(pausedAgain)")
        try await waitUntil("both paused", observed: { "\(instances.map(\.orders))" }) {
            instances.allSatisfy { $0.orders.isPaused }
        }
        let whilePaused = handled()
        try await kafka.produce(10, to: topic)
        let polls = instances.map(\.polls)
        try await waitUntil("a few polls while paused", observed: { "\(instances.map(\.polls))" }) {
            zip(instances, polls).allSatisfy { $0.polls >= $1 + 5 }
        }
        #expect(handled() == whilePaused, "no record delivered while paused")
        _ = try await client.send(ControlCommand(.resume(listenerId: "orders")), expectedReplies: 2)
        try await waitUntil("the 10 records after the resume", observed: { "\(handled() - whilePaused)" }) {
            handled() - whilePaused == 10
        }

        await producer.close()
        await client.close()
        for instance in instances {
            await instance.plane.stop()
            await instance.registry.stopAll()
        }
    }

    @Test(
        "without authentication, asked for explicitly: a warning at start, unsigned commands apply, replays are still refused"
    )
    func insecureMode() async throws {
        let topic = try await kafka.topic("insecure-in", partitions: 1)
        let control = try await kafka.topic("insecure-control", partitions: 1)
        let replies = try await kafka.topic("insecure-replies", partitions: 1)
        let instance = try await instance(
            "pod-open", security: .insecureNoAuthentication, topic: topic, group: kafka.unique("insecure"),
            control: control, replies: replies)
        let warnings = instance.log.lines(atLeast: .warning).map(\.message)
        #expect(warnings.contains { $0.contains("WITHOUT authentication") }, "\(warnings)")
        let client = try ControlPlaneClient(
            configuration: kafka.configuration(), security: .insecureNoAuthentication, controlTopic: control,
            replyTopic: replies)
        let pause = ControlCommand(.pause(listenerId: "orders", seconds: nil))
        let sealed = try ControlCommandVerifier(security: .insecureNoAuthentication).seal(pause)
        let applied = try await client.send(raw: sealed, commandId: pause.id, expectedReplies: 1)
        #expect(applied.map(\.outcome) == [.applied])
        #expect(instance.orders.isPauseRequested)
        _ = try await client.send(ControlCommand(.resume(listenerId: "orders")), expectedReplies: 1)
        _ = try await client.send(raw: sealed, commandId: pause.id, expectedReplies: 0)
        try await waitUntil("the replay rejected", observed: { "\(instance.plane.rejections)" }) {
            instance.plane.rejections == [.replayed: 1]
        }
        #expect(!instance.orders.isPauseRequested)
        await client.close()
        await instance.plane.stop()
        await instance.registry.stopAll()
    }

    @Test(
        "forged replies on the reply topic are not counted by a signing client (an unverifying client would count them)"
    )
    func forgedReplies() async throws {
        let key = ControlPlaneKey.generate()
        let security = ControlPlaneSecurity.signed(key)
        let topic = try await kafka.topic("forged-replies-in", partitions: 1)
        let control = try await kafka.topic("forged-replies-control", partitions: 1)
        let replies = try await kafka.topic("forged-replies", partitions: 1)
        let instance = try await instance(
            "pod-a", security: security, topic: topic, group: kafka.unique("forged-replies"), control: control,
            replies: replies)
        let status = ControlCommand(.status(listenerId: nil))

        // Forged replies to the status command, published over and over while the clients wait.
        let forger = Task {
            let producer = try KafkaProducer(configuration: kafka.configuration())
            let forged = Array(
                try JSONEncoder().encode(
                    ControlReply(commandId: status.id, instanceId: "pod-forged", outcome: .status([]))))
            let impostorKey = try ControlPlaneKey(id: key.id, secret: Array(repeating: UInt8(7), count: 32))
            let variants = [
                forged,
                ControlEnvelope.seal(forged, purpose: .reply, key: nil),
                ControlEnvelope.seal(forged, purpose: .reply, key: ControlPlaneKey.generate()),
                ControlEnvelope.seal(forged, purpose: .reply, key: impostorKey),
                ControlEnvelope.seal(forged, purpose: .command, key: key),  // signed with the key, but as a command
            ]
            while !Task.isCancelled {
                for variant in variants {
                    _ = try await producer.send(
                        ProducerRecord(topic: replies, key: Array("pod-forged".utf8), value: variant))
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
            await producer.close()
        }

        // The control: a client that accepts unsigned replies does see the forgery (no command sent: empty raw value).
        let unverifying = try ControlPlaneClient(
            configuration: kafka.configuration(), security: .insecureNoAuthentication, controlTopic: control,
            replyTopic: replies)
        let gullible = try await unverifying.send(
            raw: [], commandId: status.id, expectedReplies: 1, timeout: .seconds(20))
        #expect(gullible.map(\.instanceId) == ["pod-forged"])
        await unverifying.close()

        // The signing client: waits for a third reply that never comes, and counts only the genuine one.
        let client = try ControlPlaneClient(
            configuration: kafka.configuration(), security: security, controlTopic: control, replyTopic: replies)
        let answered = try await client.send(status, expectedReplies: 2, timeout: .seconds(4))
        #expect(answered.map(\.instanceId) == ["pod-a"], "\(answered)")
        forger.cancel()
        try await forger.value
        await client.close()
        await instance.plane.stop()
        await instance.registry.stopAll()
    }
}
