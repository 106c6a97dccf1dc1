// GracefulShutdown: a listener application run by swift-service-lifecycle. SIGTERM or SIGINT stops it
// gracefully: the record in flight finishes, processed offsets are committed, the consumers leave the group,
// and the process exits 0.
//
//   KAFKA_BOOTSTRAP_SERVERS=host:port GracefulShutdown <topic> <group>
//
// Without KAFKA_BOOTSTRAP_SERVERS it starts EmbeddedKafka and produces 2,000 records to <topic> itself.
// It prints `ready` once both child containers hold partitions, then `handled <partition> <offset>` for each
// record (a test reads these lines).
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import ServiceLifecycle

/// Writes a line to stdout at once (stdout to a pipe is otherwise block-buffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let logger = Logger(label: "graceful-shutdown")
let arguments = CommandLine.arguments
let topic = arguments.count > 1 ? arguments[1] : "shutdown-demo"
let group = arguments.count > 2 ? arguments[2] : "shutdown-demo"

var embedded: EmbeddedKafka?
let bootstrap: String
if let servers = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty {
    bootstrap = servers
} else {
    let kafka = try await EmbeddedKafka.start()
    try kafka.createTopic(topic, partitions: 3)
    let producer = try KafkaProducer(configuration: kafka.configuration())
    for i in 0..<2000 {
        try await producer.sendAndForget(ProducerRecord(topic: topic, key: "k\(i % 30)", value: "v\(i)"))
    }
    await producer.close()
    embedded = kafka
    bootstrap = kafka.bootstrapServers
    say("EmbeddedKafka at \(bootstrap); press Ctrl-C to stop gracefully")
}

// A short session: librdkafka 2.0.2's in-process broker sometimes holds a rebalance until a member's session
// times out (45 s by default) although every member is alive; 6 s bounds that wait.
var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
configuration["session.timeout.ms"] = "6000"
configuration["heartbeat.interval.ms"] = "500"
let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
try registry.register(
    ListenerEndpoint(
        id: "shutdown-demo", selection: .topics([topic]),
        listener: .record { record, _ in
            try await Task.sleep(for: .milliseconds(5))
            say("handled \(record.partition) \(record.offset)")
        }, groupId: group, concurrency: 2, ackMode: .batch, maxPollRecords: 20))

// Say "ready" once both children hold partitions, so a test can start producing after the group settled.
let events = registry.events.subscribe()
Task {
    var owners: Set<String> = []
    for await event in events {
        if case .partitionsAssigned(let partitions) = event.kind, !partitions.isEmpty {
            owners.insert(event.containerId)
        }
        if owners.count == 2 {
            say("ready")
            break
        }
    }
}

let services = ServiceGroup(
    configuration: .init(services: [registry], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await services.run()
say("stopped gracefully")
await embedded?.stop()
