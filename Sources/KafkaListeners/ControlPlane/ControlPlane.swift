import Foundation
import KafkaClient
import Logging
import Synchronization

/// Receives ``ControlCommand``s from the control topic and applies them to this instance's listeners;
/// every instance runs one (seed 000's fleet-wide pause/resume).
///
/// It consumes the control topic from the latest offset in a consumer group of its own
/// (`<groupPrefix>-<random UUID>`), so every instance receives every command, and answers each on the reply
/// topic with a ``ControlReply``. ``start(timeout:)`` returns once the plane is assigned its partitions (commands published
/// earlier are not seen: it starts at the end the control topic had when ``start(timeout:)`` was called).
///
/// Commands are authenticated as its ``ControlPlaneSecurity`` says (see `Docs/Security.md`): a message that is too
/// large, not a signed envelope, signed with an unknown or wrong key, stale, dated in the future or a replay is
/// rejected — logged as a warning (rate-limited), counted in ``rejections``, not applied and not answered, so a forger
/// learns nothing and cannot make the fleet write replies. An authenticated command whose values are out of range
/// (``ControlCommand/Action/validationFailure``) is answered `failed` and not applied; an unknown listener id is
/// answered `unknownListener`. Replies are signed with the first key. Nothing a message holds stops the plane.
public final class ControlPlane: Sendable {
    /// This instance's id in replies.
    public let instanceId: String
    private let registry: ListenerRegistry
    private let pauses: PauseService
    private let internalRegistry: ListenerRegistry
    private let producer: KafkaProducer
    private let replyTopic: String
    private let controlTopic: String
    private let groupId: String
    private let configuration: KafkaConfiguration
    private let logger: Logger
    private let verifier: ControlCommandVerifier
    private let rejectionLog: RejectionLog

    /// Creates a control plane for `registry`.
    ///
    /// - Parameters:
    ///   - registry: the listeners commands act on.
    ///   - pauses: the pause service pause and resume commands go through.
    ///   - configuration: how to reach the cluster (bootstrap servers, security).
    ///   - security: the keys commands and replies are signed with, or ``ControlPlaneSecurity/insecureNoAuthentication``
    ///     (explicitly; a warning is logged at start).
    ///   - controlTopic: where commands arrive.
    ///   - replyTopic: where replies go.
    ///   - groupPrefix: the consumer group is `<groupPrefix>-<UUID>`.
    ///   - instanceId: names this instance in its replies (the host name and a random suffix by default).
    ///   - logger: receives the plane's log lines (rejected messages among them).
    /// - Throws: `KafkaError` for a bad configuration or topic name; ``ControlPlaneKeyError`` for signed security
    ///   without keys or other settings ``ControlPlaneSecurity/validate()`` refuses.
    public init(
        registry: ListenerRegistry, pauses: PauseService, configuration: KafkaConfiguration,
        security: ControlPlaneSecurity,
        controlTopic: String = "kafka-listeners-control", replyTopic: String = "kafka-listeners-control-replies",
        groupPrefix: String = "kafka-listeners-control",
        instanceId: String = ProcessInfo.processInfo.hostName + "-" + String(UUID().uuidString.prefix(8)),
        logger: Logger = Logger(label: "kafka.listeners.control")
    ) throws {
        try TopicName.validate(controlTopic)
        try TopicName.validate(replyTopic)
        self.verifier = try ControlCommandVerifier(security: security)
        self.rejectionLog = RejectionLog(logger: logger)
        self.instanceId = instanceId
        self.registry = registry
        self.pauses = pauses
        self.replyTopic = replyTopic
        self.controlTopic = controlTopic
        self.configuration = configuration
        let groupId = "\(groupPrefix)-\(UUID().uuidString)"
        self.groupId = groupId
        self.logger = logger
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.internalRegistry = ListenerRegistry(
            baseConfiguration: configuration.with("auto.offset.reset", "latest"), logger: logger)
        let box = HandlerBox()
        try internalRegistry.register(
            ListenerEndpoint(
                id: "control-plane", selection: .topics([controlTopic]),
                listener: .record { record, _ in await box.plane?.handle(record) },
                groupId: groupId, ackMode: .record, commitMode: .async,
                pollTimeout: .milliseconds(50)))
        box.plane = self
    }

    /// Lets the plane's listener reach the plane without a retain cycle.
    private final class HandlerBox: Sendable {
        // Set once, right after the plane is built and before its container starts.
        nonisolated(unsafe) weak var plane: ControlPlane?
    }

    /// How many control messages were rejected since the plane was made, by reason.
    public var rejections: [ControlMessageRejection.Reason: Int] { rejectionLog.counts }

    /// The security the plane checks commands with (its description shows key ids only).
    public var security: ControlPlaneSecurity { verifier.security }

    /// Starts consuming commands; returns once the plane has its partitions.
    public func start(timeout: Duration = .seconds(60)) async throws {
        if !verifier.security.isAuthenticated {
            logger.warning(
                "control plane \(instanceId) runs WITHOUT authentication (insecureNoAuthentication): anyone who can write to \(controlTopic) can pause, stop or seek every listener"
            )
        }
        // Pin the start to the control topic's end now: with only `auto.offset.reset=latest`, the end is
        // looked up after the assignment, and a command published in between would be skipped. The group
        // is new and has no members yet, so committing from outside it is allowed.
        // If that fails (a restarted plane's group had members), `latest` still applies.
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        do {
            try await admin.resetOffsets(group: groupId, topic: controlTopic, to: .latest, timeout: timeout)
        } catch {
            logger.warning(
                "could not pin the control plane's start offset, starting at the latest offset when assigned: \(error)")
        }
        await admin.close()
        let events = internalRegistry.events.subscribe()
        try await internalRegistry.startAll()
        let deadline = ContinuousClock.now + timeout
        let ready = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events {
                    if case .partitionsAssigned(let tps) = event.kind, !tps.isEmpty { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !ready {
            throw KafkaError(
                kind: .timedOut, message: "no partitions were assigned within \(timeout)",
                operation: "start the control plane",
                isRetriable: true)
        }
        logger.info("control plane \(instanceId) ready")
    }

    /// Stops consuming and closes the reply producer.
    public func stop() async {
        await internalRegistry.stopAll()
        await producer.close()
    }

    private func handle(_ record: ConsumerRecord) async {
        let command: ControlCommand
        do {
            command = try verifier.verify(record.value?.array ?? [])
        } catch {
            rejectionLog.note(error, at: "\(record.topicPartition)@\(record.offset)")
            return
        }
        if let failure = command.action.validationFailure {
            logger.warning("control command \(command.id) not applied: \(failure)")
            await reply(ControlReply(commandId: command.id, instanceId: instanceId, outcome: .failed(reason: failure)))
            return
        }
        let outcome = await apply(command.action)
        logger.info("control command \(command.id) \(command.action): \(outcome)")
        await reply(ControlReply(commandId: command.id, instanceId: instanceId, outcome: outcome))
    }

    private func apply(_ action: ControlCommand.Action) async -> ControlReply.Outcome {
        if case .status(let wanted) = action { return status(of: wanted) }
        let id = action.listenerId
        guard let container = registry.container(id: id) else { return .unknownListener }
        do {
            switch action {
            case .pause(_, let seconds):
                try pauses.pause(.listener(id), for: seconds.map { try DurationText.fromSeconds($0) })
            case .resume:
                try pauses.resume(.listener(id))
            case .pausePartition(_, let topic, let partition, let seconds):
                try pauses.pause(
                    .partition(listenerId: id, TopicPartition(topic, partition)),
                    for: seconds.map { try DurationText.fromSeconds($0) })
            case .resumePartition(_, let topic, let partition):
                try pauses.resume(.partition(listenerId: id, TopicPartition(topic, partition)))
            case .start:
                try await container.start()
            case .stop:
                await container.stop()
            case .seek(_, let target):
                for child in container.children {
                    for tp in child.assignedPartitions {
                        child.seek(
                            tp, to: target == .earliest ? KafkaOffset.beginning.rawValue : KafkaOffset.end.rawValue)
                    }
                }
            case .seekToTimestamp(_, let milliseconds):
                container.seek(toTimestamp: milliseconds)
            case .setMaxConcurrency(_, let value):
                try container.setMaxConcurrency(value)
            case .status:
                return status(of: id)
            }
            return .applied
        } catch let error as ListenerError {
            if case .unknownListenerId = error { return .unknownListener }
            return .failed(reason: "\(error)")
        } catch {
            return .failed(reason: "\(error)")
        }
    }

    /// The status of listener `id`, or of every listener for nil; unknown for an id no listener has.
    private func status(of id: String?) -> ControlReply.Outcome {
        let listeners = registry.status.filter { id == nil || $0.id == id }
        if let id, listeners.isEmpty, registry.container(id: id) == nil { return .unknownListener }
        return .status(
            listeners.map { listener in
                ControlReply.ListenerSummary(
                    id: listener.id, running: listener.isRunning, paused: listener.isPaused,
                    pauseRequested: listener.isPauseRequested,
                    assignedPartitions: listener.children.flatMap(\.assignedPartitions).sorted().map(\.description),
                    groupId: listener.groupId,
                    children: listener.children.map {
                        ControlReply.ChildSummary(
                            id: $0.id, running: $0.isRunning,
                            assignedPartitions: $0.assignedPartitions.sorted().map(\.description))
                    },
                    pausedPartitions: listener.children.flatMap { child in
                        child.partitionPauses.sorted { $0.key < $1.key }.map { tp, pause in
                            ControlReply.PausedPartitionSummary(
                                partition: tp.description, child: child.id,
                                reasons: pause.reasons.map(\.description).sorted(),
                                resumeInSeconds: pause.resumesAt.map { max(0, ($0 - .now) / .seconds(1)) })
                        }
                    })
            })
    }

    private func reply(_ reply: ControlReply) async {
        let encoder = JSONEncoder()
        do {
            let data = try encoder.encode(reply)
            let sealed = ControlEnvelope.seal(Array(data), purpose: .reply, key: verifier.security.signingKey)
            try await producer.send(
                ProducerRecord(topic: replyTopic, key: Array(instanceId.utf8), value: sealed))
        } catch {
            logger.error("could not send a control reply: \(error)")
        }
    }
}
