import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Registry: ids, bad input, start and stop", .timeLimit(.minutes(10)))
struct RegistryTests {
    @Test("bad endpoints are refused with a clear error and the registered listener keeps running")
    func badInput() async throws {
        let topic = try await kafka.topic("reg", partitions: 1)
        let registry = makeRegistry()
        let recorder = Recorder()
        let id = kafka.unique("reg")
        try registry.register(
            ListenerEndpoint(id: id, selection: .topics([topic]), listener: .record { r, c in recorder.note(r, c) }))
        try await registry.startAll()

        #expect(throws: ListenerError.duplicateListenerId(id)) {
            try registry.register(ListenerEndpoint(id: id, selection: .topics([topic]), listener: .record { _, _ in }))
        }
        let badTopic = #expect(throws: ListenerError.self) {
            try registry.register(
                ListenerEndpoint(id: "x1", selection: .topics(["no spaces allowed"]), listener: .record { _, _ in }))
        }
        #expect("\(badTopic!)".contains("character ' ' is not allowed"))
        let badKey = #expect(throws: ListenerError.self) {
            try registry.register(
                ListenerEndpoint(
                    id: "x2", selection: .topics([topic]), listener: .record { _, _ in },
                    consumerProperties: ["fetch.min.bites": "1"]))
        }
        #expect("\(badKey!)".contains("fetch.min.bites"))
        #expect(throws: ListenerError.self) {
            try registry.register(
                ListenerEndpoint(id: "  ", selection: .topics([topic]), listener: .record { _, _ in }))
        }
        #expect(throws: ListenerError.self) {
            try registry.register(
                ListenerEndpoint(id: "x3", selection: .topics([topic]), listener: .record { _, _ in }, concurrency: 0))
        }
        #expect(throws: ListenerError.unknownListenerId("nope")) { try registry.pause("nope") }
        await #expect(throws: ListenerError.unknownListenerId("nope")) { try await registry.start("nope") }
        #expect(registry.listenerIds == [id])

        try await kafka.produce(5, to: topic)
        try await waitUntil("the registered listener still handles records", observed: { "\(recorder.count)" }) {
            recorder.count >= 5
        }
        await registry.stopAll()
    }

    @Test("start, stop and status of one listener; pause requested versus effective")
    func startStopStatus() async throws {
        let topic = try await kafka.topic("status", partitions: 2)
        let registry = makeRegistry()
        let id = kafka.unique("status")
        try registry.register(
            ListenerEndpoint(
                id: id, selection: .topics([topic]), listener: .record { _, _ in }, concurrency: 2, autoStartup: false))
        try await registry.startAll()
        #expect(registry.status.first?.isRunning == false, "autoStartup false")
        try await registry.start(id)
        try await waitUntil("both children assigned", observed: { "\(registry.status)" }) {
            registry.status.first!.children.allSatisfy { $0.assignedPartitions.count == 1 }
        }
        #expect(try registry.pause(id) == true)
        #expect(try registry.pause(id) == false, "pausing twice does not stack")
        #expect(registry.status.first!.isPauseRequested)
        try await waitUntil("the pause takes effect", observed: { "\(registry.status)" }) {
            registry.status.first!.isPaused
        }
        #expect(try registry.resume(id) == true)
        try await waitUntil("the resume takes effect", observed: { "\(registry.status)" }) {
            !registry.status.first!.isPaused
        }
        try await registry.stop(id)
        #expect(registry.status.first?.isRunning == false)
    }
}
