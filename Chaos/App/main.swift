// The chaos app: one application process of a chaos run (see Docs/Reliability.md). A listener that appends every
// handled record to a shared log (O_APPEND) and logs every commit the broker accepted; SIGTERM or SIGINT stops it
// gracefully (ServiceLifecycle), SIGKILL kills it.
//
//   ChaosApp --ack-mode record|batch|count|time|countTime|manual|manualImmediate --container concurrent|perPartition
//            [--max-poll-records N] [--static] [--cooperative] [--async-commits]
//
// Environment: KAFKA_BOOTSTRAP_SERVERS, CHAOS_TOPIC, CHAOS_GROUP, CHAOS_LOG (the log's path), CHAOS_MEMBER (this
// process's id in the log), CHAOS_SLOT (its slot: `group.instance.id` is `chaos-<slot>` with --static).
// CHAOS_BROKEN=commit-before-handling is a deliberately broken build for the harness's self-test: the listener
// returns at once, so the record is committed, and handles it (writes its log line) later.
import ChaosKit
import Foundation
import KafkaClient
import KafkaListeners
import Logging
import ServiceLifecycle

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}
let logger = Logger(label: "chaos-app")
let environment = ProcessInfo.processInfo.environment
let started = ContinuousClock.now

/// Writes a line to stdout at once, with the seconds since the start (the driver keeps it in the run's directory).
func say(_ line: String) {
    let elapsed = ContinuousClock.now - started
    let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    FileHandle.standardOutput.write(Data("[\(millis) ms] \(line)\n".utf8))
}

func required(_ name: String) throws -> String {
    guard let value = environment[name], !value.isEmpty else { throw AppFailure("\(name) must be set") }
    return value
}

do {
    let options = try AppOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    let settings = options.settings
    let bootstrap = try required("KAFKA_BOOTSTRAP_SERVERS")
    let topic = try required("CHAOS_TOPIC")
    let group = try required("CHAOS_GROUP")
    let member = try required("CHAOS_MEMBER")
    let slot = environment["CHAOS_SLOT"] ?? "0"
    let log = try HandledLog(path: try required("CHAOS_LOG"))
    let broken: Bool
    switch environment["CHAOS_BROKEN"] ?? "" {
    case "": broken = false
    case "commit-before-handling": broken = true
    case let other: throw AppFailure("unknown CHAOS_BROKEN '\(other)'")
    }

    // Short group timeouts keep a run short: a killed member is noticed after 6 s instead of 45 s.
    var configuration = KafkaConfiguration(bootstrapServers: bootstrap)
    configuration["session.timeout.ms"] = "6000"
    configuration["heartbeat.interval.ms"] = "500"
    if settings.staticMembership { configuration["group.instance.id"] = "chaos-\(slot)" }
    if settings.cooperative { configuration["partition.assignment.strategy"] = "cooperative-sticky" }

    let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
    let manual = settings.ackMode == .manual || settings.ackMode == .manualImmediate
    let ackMode: AckMode =
        switch settings.ackMode {
        case .record: .record
        case .batch: .batch
        case .count: .count(ChaosAckMode.ackCount)
        case .time: .time(.milliseconds(100))
        case .countTime: .countTime(ChaosAckMode.ackCount, .seconds(1))
        case .manual: .manual
        case .manualImmediate: .manualImmediate
        }
    let endpoint = ListenerEndpoint(
        id: "chaos", selection: .topics([topic]),
        listener: .record { record, context in
            let line = ChaosLogLine.handled(
                member: "\(member).\(context.containerId)", partition: record.partition, offset: record.offset)
            if broken {
                Task {
                    try? await Task.sleep(for: .milliseconds(500))
                    log.append(line)
                }
            } else {
                try await Task.sleep(for: .milliseconds(1))
                log.append(line)
            }
            if manual { context.acknowledgment.acknowledge() }
        }, groupId: group, concurrency: settings.container == .concurrent ? 2 : 1, ackMode: ackMode,
        commitMode: settings.syncCommits ? .sync : .async, maxPollRecords: settings.maxPollRecords,
        shutdownTimeout: .seconds(10),
        perPartition: settings.container == .perPartition ? PerPartitionOptions(ordering: .key, bufferSize: 200) : nil)
    try registry.register(endpoint)

    // A driver that dies leaves no process behind: this one goes when its parent does.
    let parent = getppid()
    Task {
        while getppid() == parent { try? await Task.sleep(for: .seconds(1)) }
        exit(3)
    }
    let events = registry.events.subscribe()
    Task {
        for await event in events {
            switch event.kind {
            case .committed(let offsets):
                for offset in offsets where offset.topicPartition.topic == topic {
                    log.append(
                        .committed(
                            member: "\(member).\(event.containerId)", partition: offset.topicPartition.partition,
                            offset: offset.offset.rawValue))
                }
            case .commitFailed(let offsets, let error):
                say("\(event.containerId): commit failed: \(error)")
                for offset in offsets where offset.topicPartition.topic == topic {
                    log.append(
                        .commitFailed(
                            member: "\(member).\(event.containerId)", partition: offset.topicPartition.partition))
                }
            case .partitionsAssigned(let partitions): say("\(event.containerId): assigned \(partitions)")
            case .partitionsRevoked(let partitions): say("\(event.containerId): revoked \(partitions)")
            case .partitionsLost(let partitions): say("\(event.containerId): lost \(partitions)")
            case .stopped(let reason): say("\(event.containerId): stopped (\(reason))")
            case .nonResponsive(let duration): say("\(event.containerId): non-responsive for \(duration)")
            default: break
            }
        }
    }
    say("chaos-app \(member) running: \(settings)")
    let services = ServiceGroup(
        configuration: .init(services: [registry], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await services.run()
    say("chaos-app \(member) stopped")
} catch {
    FileHandle.standardError.write(Data("chaos-app: \(error)\n".utf8))
    exit(2)
}
