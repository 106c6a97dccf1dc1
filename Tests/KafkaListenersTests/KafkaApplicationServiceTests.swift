import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("KafkaApplication is a swift-service-lifecycle Service", .timeLimit(.minutes(10)))
struct KafkaApplicationServiceTests {
    @Test(
        "run in a ServiceGroup: starts the listeners, and a graceful shutdown stops them with everything handled committed"
    )
    func serviceGroup() async throws {
        let topic = try await kafka.topic("service", partitions: 2)
        let id = kafka.unique("service")
        let sink = TypedSink()
        let app = try KafkaApplication(applicationConfiguration()) {
            Listen(id, topics: topic, ackMode: .record) { (record: TypedRecord<String, Order>, context) in
                sink.add(record, context)
            }
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "service-test")))
        // An event subscriber's loop ends with the service run, after the stop events.
        let seen = Mutex<(stopped: Int, ended: Bool)>((0, false))
        let stream = app.registry.events.subscribe()
        let subscriber = Task {
            for await event in stream { if case .stopped = event.kind { seen.withLock { $0.stopped += 1 } } }
            seen.withLock { $0.ended = true }
        }
        let finished = Mutex(false)
        let running = Task {
            defer { finished.withLock { $0 = true } }
            try await group.run()
        }
        try await waitSettled(app.registry, id)
        try await produceOrders(30, to: topic)
        try await waitUntil("30 orders handled", observed: { "\(sink.count)" }) { sink.count >= 30 }
        await group.triggerGracefulShutdown()
        try await waitUntil(
            "the service group returns after the graceful shutdown", observed: { "\(app.registry.status)" }
        ) {
            finished.withLock { $0 }
        }
        try await running.value
        try await waitUntil("the event stream ends with the service run", observed: { "\(seen.withLock { $0 })" }) {
            seen.withLock { $0.ended }
        }
        await subscriber.value
        #expect(seen.withLock { $0.stopped } >= 1, "stop events arrive before the stream ends")
        #expect(app.registry.status.allSatisfy { !$0.isRunning })
        #expect(sink.count == 30)
        let committed = try await committedOffsets(group: id, topic: topic, partitions: 2)
        #expect(committed.map { max($0, 0) }.reduce(0, +) == 30, "committed \(committed)")
    }
}
