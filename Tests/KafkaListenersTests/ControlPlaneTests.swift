import Foundation
import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Fleet-wide control plane", .timeLimit(.minutes(5)))
struct ControlPlaneTests {
    /// The key the suite's planes and clients share.
    static let security = ControlPlaneSecurity.signed(ControlPlaneKey.generate())

    /// One "instance": a registry running listener `orders`, its pause service and its control plane.
    struct Instance {
        let registry: ListenerRegistry
        let plane: ControlPlane
        let recorder: Recorder
    }

    func instance(
        _ name: String, topic: String, group: String, control: String, replies: String
    ) async throws -> Instance {
        let registry = makeRegistry()
        let recorder = Recorder()
        try registry.register(
            ListenerEndpoint(
                id: "orders", selection: .topics([topic]), listener: .record { r, c in recorder.note(r, c) },
                groupId: group))
        let plane = try ControlPlane(
            registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
            security: Self.security, controlTopic: control, replyTopic: replies, instanceId: name)
        try await registry.startAll()
        try await plane.start()
        return Instance(registry: registry, plane: plane, recorder: recorder)
    }

    /// A control plane client on the shared cluster, signing with the suite's key.
    static func client(control: String, replies: String) throws -> ControlPlaneClient {
        try ControlPlaneClient(
            configuration: kafka.configuration(), security: Self.security, controlTopic: control, replyTopic: replies)
    }

    @Test(
        "a command reaches every instance and each replies; unknown ids are answered, malformed messages rejected unanswered, neither fatal"
    )
    func fleetCommands() async throws {
        let topic = try await kafka.topic("fleet", partitions: 2)
        let control = try await kafka.topic("control", partitions: 1)
        let replies = try await kafka.topic("replies", partitions: 1)
        let group = kafka.unique("fleet")
        async let first = instance("pod-a", topic: topic, group: group, control: control, replies: replies)
        async let second = instance("pod-b", topic: topic, group: group, control: control, replies: replies)
        let instances = try await [first, second]
        // Both members of group `orders` must hold partitions before records flow: a join while records flow
        // is a rebalance, and librdkafka 2.0.2's mock refuses commits during one (re-deliveries follow).
        try await waitUntil("group orders settled", observed: { "\(instances.map { $0.registry.status })" }) {
            instances.allSatisfy { $0.registry.status[0].children.allSatisfy { !$0.assignedPartitions.isEmpty } }
        }
        let client = try Self.client(control: control, replies: replies)

        // Status: each instance names the listener's group and its child with the partitions that child owns.
        let statuses = try await client.send(ControlCommand(.status(listenerId: nil)), expectedReplies: 2)
        #expect(Set(statuses.map(\.instanceId)) == ["pod-a", "pod-b"])
        for reply in statuses {
            let instance = try #require(instances.first { $0.plane.instanceId == reply.instanceId })
            guard case .status(let listeners) = reply.outcome else {
                Issue.record("not a status reply: \(reply)")
                continue
            }
            let child = instance.registry.status[0].children[0]
            #expect(listeners.map(\.groupId) == [group], "\(reply)")
            #expect(
                listeners.first?.children == [
                    ControlReply.ChildSummary(
                        id: "orders-0", running: true, assignedPartitions: child.assignedPartitions.map(\.description))
                ], "\(reply); registry: \(child)")
        }

        // Pause everywhere.
        let paused = try await client.send(
            ControlCommand(.pause(listenerId: "orders", seconds: nil)), expectedReplies: 2)
        #expect(Set(paused.map(\.instanceId)) == ["pod-a", "pod-b"])
        #expect(paused.allSatisfy { $0.outcome == .applied })
        #expect(instances.allSatisfy { $0.registry.status[0].isPauseRequested })

        // An unknown listener: each instance says so.
        let unknown = try await client.send(ControlCommand(.pause(listenerId: "nope", seconds: 5)), expectedReplies: 2)
        #expect(unknown.count == 2 && unknown.allSatisfy { $0.outcome == .unknownListener })

        // Malformed: rejected and counted by each, never answered, and the planes keep working.
        let malformed = try await client.send(raw: Array("not a command".utf8), commandId: nil, expectedReplies: 0)
        #expect(malformed.isEmpty)
        try await waitUntil(
            "both planes rejected the malformed message", observed: { "\(instances.map(\.plane.rejections))" }
        ) {
            instances.allSatisfy { $0.plane.rejections == [.malformedEnvelope: 1] }
        }

        let resumed = try await client.send(ControlCommand(.resume(listenerId: "orders")), expectedReplies: 2)
        #expect(resumed.count == 2 && resumed.allSatisfy { $0.outcome == .applied })
        #expect(instances.allSatisfy { !$0.registry.status[0].isPauseRequested })

        // Seek to earliest everywhere: every record is delivered again, nothing is lost.
        try await kafka.produce(10, to: topic)
        try await waitUntil("10 records handled", observed: { "\(instances.map(\.recorder.count))" }) {
            instances.map(\.recorder.count).reduce(0, +) == 10
        }
        let sought = try await client.send(
            ControlCommand(.seek(listenerId: "orders", to: .earliest)), expectedReplies: 2)
        #expect(sought.count == 2 && sought.allSatisfy { $0.outcome == .applied })
        try await waitUntil("the 10 records handled again", observed: { "\(instances.map(\.recorder.count))" }) {
            instances.map(\.recorder.count).reduce(0, +) == 20
        }
        let counts = instances.map(\.recorder.handledCounts).reduce(into: [TopicPartition: [Int64: Int]]()) {
            total, next in
            total.merge(next) { $0.merging($1, uniquingKeysWith: +) }
        }
        #expect(counts.values.allSatisfy { $0.values.allSatisfy { $0 == 2 } }, "each record exactly twice: \(counts)")

        // Seek to a time after every record, while paused with 5 records waiting: they are skipped, and
        // later records flow. (The mock broker answers every lookup by time with "no record", so a time
        // inside the log cannot be tested here: it would also move to the end.)
        _ = try await client.send(ControlCommand(.pause(listenerId: "orders", seconds: nil)), expectedReplies: 2)
        try await waitUntil("both paused", observed: { "\(instances.map { $0.registry.status })" }) {
            instances.allSatisfy { $0.registry.status[0].isPaused }
        }
        try await kafka.produce(5, to: topic)
        let future = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let timed = try await client.send(
            ControlCommand(.seekToTimestamp(listenerId: "orders", milliseconds: future)), expectedReplies: 2)
        #expect(timed.count == 2 && timed.allSatisfy { $0.outcome == .applied })
        let polls = instances.map { $0.registry.childContainer(id: "orders-0")!.pollsCompleted }
        try await waitUntil("the seek applied at a boundary") {
            zip(instances, polls).allSatisfy { $0.registry.childContainer(id: "orders-0")!.pollsCompleted >= $1 + 3 }
        }
        _ = try await client.send(ControlCommand(.resume(listenerId: "orders")), expectedReplies: 2)
        try await kafka.produce(3, to: topic)
        try await waitUntil("the 3 new records handled", observed: { "\(instances.map(\.recorder.count))" }) {
            instances.map(\.recorder.count).reduce(0, +) >= 23
        }
        let polls2 = instances.map { $0.registry.childContainer(id: "orders-0")!.pollsCompleted }
        try await waitUntil("a few more polls") {
            zip(instances, polls2).allSatisfy { $0.registry.childContainer(id: "orders-0")!.pollsCompleted >= $1 + 3 }
        }
        let values = instances.flatMap { $0.recorder.handled.withLock { $0 } }.count
        #expect(values == 23, "the 5 records produced before the time were skipped, the 3 after it handled: \(values)")

        let notPerPartition = try await client.send(
            ControlCommand(.setMaxConcurrency(listenerId: "orders", value: 8)), expectedReplies: 2)
        #expect(notPerPartition.allSatisfy { if case .failed = $0.outcome { true } else { false } })

        await client.close()
        for instance in instances {
            await instance.plane.stop()
            await instance.registry.stopAll()
        }
    }

    @Test("setMaxConcurrency reaches a per-partition listener and changes its limit")
    func setMaxConcurrency() async throws {
        let topic = try await kafka.topic("fleet-pp", partitions: 1)
        let control = try await kafka.topic("control", partitions: 1)
        let replies = try await kafka.topic("replies", partitions: 1)
        let registry = makeRegistry()
        try registry.register(
            perPartitionEndpoint(
                "pp", topic: topic, ordering: .unordered, maxConcurrency: 4, listener: .record { _, _ in }))
        let plane = try ControlPlane(
            registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
            security: Self.security, controlTopic: control, replyTopic: replies, instanceId: "pod-pp")
        try await registry.startAll()
        try await plane.start()
        let client = try ControlPlaneClient(
            configuration: kafka.configuration(), security: Self.security, controlTopic: control, replyTopic: replies)
        let replied = try await client.send(
            ControlCommand(.setMaxConcurrency(listenerId: "pp", value: 32)), expectedReplies: 1)
        #expect(replied.map(\.outcome) == [.applied])
        #expect(registry.container(id: "pp")?.children[0].maxConcurrency == 32)
        let invalid = try await client.send(
            ControlCommand(.setMaxConcurrency(listenerId: "pp", value: 0)), expectedReplies: 1)
        #expect(
            invalid.count == 1
                && invalid.allSatisfy {
                    if case .failed(let reason) = $0.outcome { reason.contains("at least 1") } else { false }
                })
        #expect(registry.container(id: "pp")?.children[0].maxConcurrency == 32)
        await client.close()
        await plane.stop()
        await registry.stopAll()
    }

    @Test(
        "a status reply from an instance without groups and children still decodes, with both nil; new ones round-trip")
    func statusReplyCompatibility() throws {
        let old =
            #"{"commandId":null,"instanceId":"pod-old","outcome":{"status":{"_0":[{"id":"orders","running":true,"paused":false,"pauseRequested":false,"assignedPartitions":["t-0"]}]}}}"#
        let decoded = try JSONDecoder().decode(ControlReply.self, from: Data(old.utf8))
        #expect(
            decoded.outcome
                == .status([
                    ControlReply.ListenerSummary(
                        id: "orders", running: true, paused: false, pauseRequested: false, assignedPartitions: ["t-0"])
                ]))
        guard case .status(let listeners) = decoded.outcome else { return }
        #expect(listeners[0].groupId == nil && listeners[0].children == nil)

        let summary = ControlReply.ListenerSummary(
            id: "orders", running: true, paused: false, pauseRequested: false,
            assignedPartitions: ["my-topic-0", "my-topic-1"],
            groupId: "g",
            children: [
                ControlReply.ChildSummary(id: "orders-0", running: true, assignedPartitions: ["my-topic-0"]),
                ControlReply.ChildSummary(id: "orders-1", running: false, assignedPartitions: ["my-topic-1"]),
            ])
        let reply = ControlReply(commandId: UUID(), instanceId: "pod-new", outcome: .status([summary]))
        #expect(try JSONDecoder().decode(ControlReply.self, from: JSONEncoder().encode(reply)) == reply)
    }

    @Test("a plane or client with signed security but no key is refused when built")
    func noKey() throws {
        let registry = makeRegistry()
        #expect(throws: ControlPlaneKeyError.self) {
            try ControlPlane(
                registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
                security: .signed([]))
        }
        #expect(throws: ControlPlaneKeyError.self) {
            try ControlPlaneClient(configuration: kafka.configuration(), security: .signed([]))
        }
    }

    @Test("a blank or bad topic name is refused when the plane is built")
    func badTopics() throws {
        let registry = makeRegistry()
        #expect(throws: KafkaError.self) {
            try ControlPlane(
                registry: registry, pauses: PauseService(registry: registry), configuration: kafka.configuration(),
                security: Self.security,
                controlTopic: "bad topic")
        }
        #expect(throws: KafkaError.self) {
            try ControlPlaneClient(configuration: kafka.configuration(), security: Self.security, replyTopic: "")
        }
    }
}
