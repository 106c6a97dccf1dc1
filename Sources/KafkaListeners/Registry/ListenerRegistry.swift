import KafkaClient
import Logging
import ServiceLifecycle
import Synchronization

/// Every listener container of an application, by id: register endpoints, start, stop, pause, resume,
/// status and events (Spring-Kafka's `KafkaListenerEndpointRegistry`).
///
/// The registry is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` and SIGTERM/SIGINT stop
/// it gracefully — every container stops fetching, finishes the record in flight, commits and leaves its
/// group. `baseConfiguration` holds what all listeners share (bootstrap servers, security); each endpoint's
/// `consumerProperties` are laid over it.
public final class ListenerRegistry: Service, Sendable {
    /// The configuration every container starts from.
    public let baseConfiguration: KafkaConfiguration
    /// Events of every container.
    public let events = EventBus()
    private let containers = Mutex<[(id: String, container: ConcurrentContainer)]>([])
    private let globalInterceptors = Mutex(Interceptors.none)

    /// Interceptors every listener registered from now on runs, before its endpoint's own.
    public var interceptors: Interceptors {
        get { globalInterceptors.withLock { $0 } }
        set { globalInterceptors.withLock { $0 = newValue } }
    }
    let logger: Logger

    /// Creates an empty registry.
    public init(baseConfiguration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.listeners")) {
        self.baseConfiguration = baseConfiguration
        self.logger = logger
    }

    /// Registers an endpoint and creates its container (not started).
    ///
    /// - Throws: ``ListenerError/duplicateListenerId(_:)`` if the id is taken, or
    ///   ``ListenerError/invalidEndpoint(id:reason:)`` for unusable settings (including a bad topic name or
    ///   a configuration key librdkafka refuses). Nothing is registered then.
    @discardableResult
    public func register(_ endpoint: ListenerEndpoint) throws -> ConcurrentContainer {
        try endpoint.validate()
        var endpoint = endpoint
        endpoint.interceptors = interceptors.followed(by: endpoint.interceptors)
        do {
            try baseConfiguration.merging(KafkaConfiguration(endpoint.consumerProperties)).validate()
        } catch let error as KafkaError {
            throw ListenerError.invalidEndpoint(id: endpoint.id, reason: error.message)
        }
        let container = ConcurrentContainer(
            endpoint: endpoint, baseConfiguration: baseConfiguration, events: events, logger: logger)
        try containers.withLock { list in
            if list.contains(where: { $0.id == endpoint.id }) { throw ListenerError.duplicateListenerId(endpoint.id) }
            list.append((endpoint.id, container))
        }
        return container
    }

    /// The ids of every registered listener, in registration order.
    public var listenerIds: [String] { containers.withLock { $0.map(\.id) } }

    /// The container of listener `id`, or `nil`.
    public func container(id: String) -> ConcurrentContainer? {
        containers.withLock { $0.first { $0.id == id }?.container }
    }

    /// The child container with id `childId` (`<listener id>-<n>`), or `nil`.
    public func childContainer(id childId: String) -> SingleContainer? {
        containers.withLock { $0.lazy.compactMap { $0.container.child(id: childId) }.first }
    }

    private func required(_ id: String) throws -> ConcurrentContainer {
        guard let container = container(id: id) else { throw ListenerError.unknownListenerId(id) }
        return container
    }

    /// Starts listener `id`.
    ///
    /// - Throws: ``ListenerError/unknownListenerId(_:)`` or the start failure.
    public func start(_ id: String) async throws { try await required(id).start() }

    /// Stops listener `id` gracefully.
    public func stop(_ id: String) async throws { try await required(id).stop() }

    /// Requests a pause of listener `id` (all children); returns whether it was not paused already.
    @discardableResult
    public func pause(_ id: String) throws -> Bool { try required(id).pause() }

    /// Resumes listener `id`; returns whether it was paused.
    @discardableResult
    public func resume(_ id: String) throws -> Bool { try required(id).resume() }

    /// Changes the per-partition concurrency limit of listener `id` while it runs (no rebalance).
    ///
    /// - Throws: ``ListenerError/unknownListenerId(_:)``, or ``ListenerError/invalidState(_:)`` for a
    ///   listener that is not per-partition or a limit below 1.
    public func setMaxConcurrency(_ id: String, _ limit: Int?) throws { try required(id).setMaxConcurrency(limit) }

    /// Starts every listener whose endpoint has `autoStartup`.
    public func startAll() async throws {
        let all = containers.withLock { $0.map(\.container) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for container in all where container.endpoint.autoStartup {
                group.addTask { try await container.start() }
            }
            try await group.waitForAll()
        }
    }

    /// Stops every listener gracefully.
    public func stopAll() async {
        let all = containers.withLock { $0.map(\.container) }
        await withTaskGroup(of: Void.self) { group in
            for container in all { group.addTask { await container.stop() } }
        }
    }

    /// Every listener's status.
    public var status: [ListenerStatus] {
        containers.withLock { $0 }.map {
            ListenerStatus(
                id: $0.id, groupId: $0.container.endpoint.effectiveGroupId, isRunning: $0.container.isRunning,
                children: $0.container.status)
        }
    }

    /// Runs as a service: starts the auto-startup listeners, waits for graceful shutdown, stops them all.
    ///
    /// When it returns, every stream of ``events`` has finished (after the containers' stop events).
    public func run() async throws {
        try await startAll()
        logger.info("listener registry running \(listenerIds.count) listeners")
        try? await gracefulShutdown()
        logger.info("listener registry shutting down")
        await stopAll()
        events.finish()
    }
}
