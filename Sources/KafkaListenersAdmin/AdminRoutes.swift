import Foundation
import Hummingbird
import KafkaClient
import KafkaListeners

/// The admin routes and their handlers.
struct AdminRoutes: Sendable {
    let registry: ListenerRegistry
    let pauses: PauseService
    let fleet: ControlPlaneClient?
    let configuration: ListenerAdminServer.Configuration
    /// The Kafka admin client every request shares (for lag).
    let kafkaAdmin: SharedKafkaAdmin

    func add(to router: Router<BasicRequestContext>) {
        router.get("listeners") { _, _ -> [ListenerView] in
            var views: [ListenerView] = []
            for status in registry.status {
                views.append(
                    ListenerView(
                        status, resumeAt: pauses.scheduledResume(of: .listener(status.id)), lag: await lag(of: status)))
            }
            return views
        }
        router.put("listeners/:id/pause") { request, context -> Response in
            let id = try listenerId(context)
            let duration = try self.duration(request)
            if try fleetScope(request) {
                return try await fleetCommand(
                    .pause(listenerId: id, seconds: duration.map { $0 / .seconds(1) }), request: request,
                    context: context)
            }
            try requireKnown(id)
            let outcome = try pauses.pause(.listener(id), for: duration)
            return try PauseResult(
                target: "listener '\(id)'", changed: outcome.newlyPaused,
                resumeInSeconds: outcome.resumeAt.map { ($0 - .now) / .seconds(1) }
            )
            .response(from: request, context: context)
        }
        router.put("listeners/:id/resume") { request, context -> Response in
            let id = try listenerId(context)
            if try fleetScope(request) {
                return try await fleetCommand(.resume(listenerId: id), request: request, context: context)
            }
            try requireKnown(id)
            let changed = try pauses.resume(.listener(id))
            return try PauseResult(target: "listener '\(id)'", changed: changed, resumeInSeconds: nil).response(
                from: request, context: context)
        }
        router.put("listeners/:id/partitions/:topic/:partition/pause") { request, context -> Response in
            let id = try listenerId(context)
            if try fleetScope(request) {
                throw HTTPError(.badRequest, message: "partition pauses are local only; omit scope=fleet")
            }
            try requireKnown(id)
            let tp = try topicPartition(context)
            do {
                let outcome = try pauses.pause(.partition(listenerId: id, tp), for: try duration(request))
                return try PauseResult(
                    target: "\(tp) of listener '\(id)'", changed: outcome.newlyPaused,
                    resumeInSeconds: outcome.resumeAt.map { ($0 - .now) / .seconds(1) }
                )
                .response(from: request, context: context)
            } catch let error as ListenerError {
                throw HTTPError(.notFound, message: "\(error)")
            }
        }
        router.put("listeners/:id/partitions/:topic/:partition/resume") { request, context -> Response in
            let id = try listenerId(context)
            if try fleetScope(request) {
                throw HTTPError(.badRequest, message: "partition resumes are local only; omit scope=fleet")
            }
            try requireKnown(id)
            let tp = try topicPartition(context)
            do {
                let changed = try pauses.resume(.partition(listenerId: id, tp))
                return try PauseResult(target: "\(tp) of listener '\(id)'", changed: changed, resumeInSeconds: nil)
                    .response(from: request, context: context)
            } catch let error as ListenerError {
                throw HTTPError(.notFound, message: "\(error)")
            }
        }
    }

    /// The group's lag over the listener's topics, from committed and log-end offsets (nil if unavailable).
    private func lag(of status: ListenerStatus) async -> [GroupPartitionLag]? {
        guard let endpoint = registry.container(id: status.id)?.endpoint else { return nil }
        let topics: [String]
        switch endpoint.selection {
        case .topics(let names): topics = names
        case .partitions(let offsets): topics = Array(Set(offsets.map(\.topicPartition.topic))).sorted()
        case .pattern: topics = Array(Set(status.children.flatMap(\.assignedPartitions).map(\.topic))).sorted()
        }
        guard !topics.isEmpty, let admin = kafkaAdmin.admin() else { return nil }
        return try? await admin.groupLag(group: endpoint.effectiveGroupId, topics: topics, timeout: .seconds(5))
    }

    private func listenerId(_ context: BasicRequestContext) throws -> String {
        try AdminParameter.listenerId(context.parameters.get("id"))
    }

    /// The `{topic}/{partition}` of a partition route, both checked (400 for a bad name or number).
    private func topicPartition(_ context: BasicRequestContext) throws -> TopicPartition {
        TopicPartition(
            try AdminParameter.topic(context.parameters.get("topic")),
            try AdminParameter.partition(context.parameters.get("partition")))
    }

    private func requireKnown(_ id: String) throws {
        if registry.container(id: id) == nil { throw HTTPError(.notFound, message: "no listener has id '\(id)'") }
    }

    private func fleetScope(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters.get("scope") ?? "local" {
        case "local": return false
        case "fleet":
            if fleet == nil {
                throw HTTPError(.badRequest, message: "scope=fleet needs a control plane client; none is configured")
            }
            return true
        case let other: throw HTTPError(.badRequest, message: "scope must be local or fleet, not '\(other)'")
        }
    }

    private func duration(_ request: Request) throws -> Duration? {
        guard let text = request.uri.queryParameters.get("for") else { return nil }
        do {
            return try DurationText.parse(text)
        } catch {
            // The parser's error names the input, cut short; it never echoes the whole parameter.
            throw HTTPError(.badRequest, message: "\(error); use for example 500ms, 30s, 5m or 1h")
        }
    }

    private func fleetCommand(
        _ action: ControlCommand.Action, request: Request, context: BasicRequestContext
    ) async throws -> Response {
        guard let fleet else { throw HTTPError(.badRequest, message: "no control plane client configured") }
        let command = ControlCommand(action)
        let replies = try await fleet.send(
            command, expectedReplies: configuration.fleetSize, timeout: configuration.fleetTimeout)
        return try FleetResult(commandId: command.id, replies: replies).response(from: request, context: context)
    }
}
