// PauseResume: two instances of one application on EmbeddedKafka, each with a control plane; instance A also
// serves the HTTP admin on 127.0.0.1:8081. One curl pauses the listener on both instances (see README.md).
// Every second it prints how many records each instance handled, so a pause shows as zeros. Ctrl-C stops it.
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersAdmin
import KafkaListenersTesting
import Logging
import ServiceLifecycle
import Synchronization

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let logger = Logger(label: "pause-resume")
let port = Int(ProcessInfo.processInfo.environment["ADMIN_PORT"] ?? "") ?? 8081

let kafka = try await EmbeddedKafka.start()
for (topic, partitions) in [("orders", Int32(4)), ("control", 1), ("control-replies", 1)] {
    try kafka.createTopic(topic, partitions: partitions)
}

// Commands and replies on the control topic are signed with a key every instance and the client share. A real
// deployment reads it from a secret (see Docs/Security.md); this sample makes a fresh one for its own instances.
let controlSecurity = ControlPlaneSecurity.signed(ControlPlaneKey.generate())

/// Records handled per instance since the last report.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// One instance: a registry with listener `orders` (group `orders`), its pause service and control plane.
func makeInstance(_ name: String, counter: Counter) throws -> (ListenerRegistry, PauseService, ControlPlane) {
    let registry = ListenerRegistry(baseConfiguration: kafka.configuration(), logger: logger)
    try registry.register(
        ListenerEndpoint(
            id: "orders", selection: .topics(["orders"]),
            listener: .record { _, _ in
                counter.value.add(1, ordering: .relaxed)
            }, pollTimeout: .milliseconds(50)))
    let pauses = PauseService(registry: registry)
    let plane = try ControlPlane(
        registry: registry, pauses: pauses, configuration: kafka.configuration(), security: controlSecurity,
        controlTopic: "control",
        replyTopic: "control-replies", instanceId: name)
    return (registry, pauses, plane)
}

let counters = (Counter(), Counter())
let (registryA, pausesA, planeA) = try makeInstance("instance-a", counter: counters.0)
let (registryB, _, planeB) = try makeInstance("instance-b", counter: counters.1)
let client = try ControlPlaneClient(
    configuration: kafka.configuration(), security: controlSecurity, controlTopic: "control",
    replyTopic: "control-replies")
let admin = ListenerAdminServer(
    registry: registryA, pauses: pausesA, fleet: client, configuration: .init(port: port, fleetSize: 2), logger: logger)

print(
    "starting two instances on EmbeddedKafka (\(kafka.bootstrapServers)); the groups' first join takes a few seconds…")
try await registryA.startAll()
try await registryB.startAll()
try await planeA.start()
try await planeB.start()
print(
    """
    ready. Try:
      curl -s -X PUT 'http://127.0.0.1:\(port)/listeners/orders/pause?for=10s&scope=fleet'
      curl -s -X PUT 'http://127.0.0.1:\(port)/listeners/orders/resume?scope=fleet'
      curl -s http://127.0.0.1:\(port)/listeners
    """)

/// Produces a few records a second and prints each instance's count every second, until cancelled.
struct Traffic: Service {
    func run() async throws {
        let producer = try KafkaProducer(configuration: kafka.configuration(), logger: logger)
        var sent = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for _ in 0..<20 {
                try await producer.sendAndForget(
                    ProducerRecord(topic: "orders", key: "k\(sent % 16)", value: "order-\(sent)"))
                sent += 1
            }
            try? await Task.sleep(for: .seconds(1))
            let a = counters.0.value.exchange(0, ordering: .relaxed)
            let b = counters.1.value.exchange(0, ordering: .relaxed)
            let paused = [registryA, registryB].map { $0.status[0].isPauseRequested ? "paused" : "running" }
            print("instance-a: \(a) records/s (\(paused[0]))   instance-b: \(b) records/s (\(paused[1]))")
        }
        await producer.close()
    }
}

let services = ServiceGroup(
    configuration: .init(
        services: [admin, Traffic(), registryA, registryB], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
    ))
try await services.run()
await planeA.stop()
await planeB.stop()
await client.close()
await kafka.stop()
print("stopped")
