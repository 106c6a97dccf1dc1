import KafkaClient
import Logging
import ServiceLifecycle

/// An application's listeners, declared in one block, with the registry that runs them.
///
/// ```swift
/// let app = try KafkaApplication(configuration) {
///     Listen("orders", topics: "orders", concurrency: 3, ackMode: .manual) { (order: Order, context) in … }
///     ListenBatch("audit", pattern: "audit-.*") { (records: [ConsumerRecord], context) in … }
///     OrderListener()
/// }
/// try await ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
/// Building it registers every listener (ids must be unique; settings are validated, and `overrides` are
/// applied first, so a bad override fails here, naming the key). It is a swift-service-lifecycle `Service`:
/// `run()` starts the auto-startup listeners and stops them all gracefully on shutdown.
///
/// Topics declared in the block (``Topic``) are provisioned before any listener starts: missing ones are
/// created, existing ones checked (see ``TopicProvisioner``); a topic the cluster does not create fails the
/// start, naming it.
public final class KafkaApplication: Service, Sendable {
    /// The registry holding every container (start, stop, pause, resume, status, events).
    public let registry: ListenerRegistry
    /// The listeners as declared (after overrides), in declaration order.
    public let listeners: [DeclaredListener]
    /// The topics declared, in declaration order.
    public let topics: [TopicDeclaration]
    private let configuration: KafkaConfiguration
    private let topicAdministration: (any TopicAdministration)?
    private let logger: Logger

    /// Registers the listeners of `content` on a new registry over `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: what every listener shares (bootstrap servers, security…).
    ///   - overrides: external settings per listener id (see ``ListenerOverrides``).
    ///   - topicAdministration: where declared topics are provisioned (`nil`: a `KafkaAdmin` over
    ///     `configuration`, made for the provisioning and closed after it).
    ///   - logger: receives the registry's and the containers' log lines.
    ///   - content: the listener declarations (``Listen``, ``ListenBatch``, listener types, ``ListenerGroup``, …).
    /// - Throws: ``ListenerError`` for a duplicate id or unusable settings, ``ListenerOverrideError`` for an
    ///   override naming an unknown listener or holding an invalid value, ``TopicProvisioningError`` for an
    ///   unusable or conflicting topic declaration.
    public convenience init(
        _ configuration: KafkaConfiguration, overrides: ListenerOverrides = ListenerOverrides(),
        topicAdministration: (any TopicAdministration)? = nil,
        logger: Logger = Logger(label: "kafka.listeners"), @ListenersBuilder _ content: () -> [any ListenerDeclaration]
    ) throws {
        try self.init(
            configuration, overrides: overrides, topicAdministration: topicAdministration, logger: logger,
            declarations: content())
    }

    /// Registers `declarations` on a new registry over `configuration`.
    public init(
        _ configuration: KafkaConfiguration, overrides: ListenerOverrides = ListenerOverrides(),
        topicAdministration: (any TopicAdministration)? = nil,
        logger: Logger = Logger(label: "kafka.listeners"), declarations: [any ListenerDeclaration]
    ) throws {
        let group = ListenerGroup(declarations)
        let declared = try overrides.apply(to: group.declaredListeners())
        var topics = group.declaredTopics()
        for listener in declared {
            if let retry = listener.retryTopics { topics += try RetryTopicsExpansion.topics(listener, retry) }
        }
        _ = try TopicProvisioner.merged(topics)
        let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
        for listener in declared { try registry.register(listener) }
        self.registry = registry
        self.listeners = declared
        self.topics = topics
        self.configuration = configuration
        self.topicAdministration = topicAdministration
        self.logger = logger
    }

    /// Runs as a service: provisions the declared topics, starts the auto-startup listeners, waits for
    /// graceful shutdown, stops them all.
    public func run() async throws {
        try await provisionTopics()
        try await registry.run()
    }

    /// Provisions the declared topics, then starts the auto-startup listeners (without the service lifecycle;
    /// pair with ``stop()``).
    public func start() async throws {
        try await provisionTopics()
        try await registry.startAll()
    }

    /// Creates the declared topics that are missing and checks the others (``start()`` and ``run()`` call it).
    ///
    /// - Throws: ``TopicProvisioningError`` naming the topics the cluster did not create.
    @discardableResult
    public func provisionTopics() async throws -> TopicProvisioningReport {
        guard !topics.isEmpty else { return TopicProvisioningReport() }
        if let topicAdministration {
            return try await TopicProvisioner(cluster: topicAdministration).provision(topics, logger: logger)
        }
        let admin = try KafkaAdmin(configuration: configuration, logger: logger)
        do {
            let report = try await TopicProvisioner(cluster: admin).provision(topics, logger: logger)
            await admin.close()
            return report
        } catch {
            await admin.close()
            throw error
        }
    }

    /// Stops every listener gracefully.
    public func stop() async { await registry.stopAll() }
}

extension ListenerRegistry {
    /// Registers every listener of `declaration` (a protocol listener, builder component or group).
    ///
    /// Listeners declared paused at start are paused right away. Stops at the first failure; listeners
    /// registered before it stay registered.
    @discardableResult
    public func register(declaration: some ListenerDeclaration) throws -> [ConcurrentContainer] {
        try declaration.declaredListeners().flatMap { try register($0) }
    }

    /// Registers one declared listener: its endpoint, or with retry topics its main, retry and dead-letter
    /// endpoints (ids `<id>`, `<id>-retry-…`, `<id>-dlt`). A listener declared paused at start is paused (its
    /// retry containers too).
    @discardableResult
    public func register(_ listener: DeclaredListener) throws -> [ConcurrentContainer] {
        let endpoints =
            try listener.retryTopics.map {
                try RetryTopicsExpansion(listener, retry: $0, baseConfiguration: baseConfiguration, logger: logger)
                    .endpoints
            } ?? [listener.endpoint]
        return try endpoints.map { endpoint in
            let container = try register(endpoint)
            if listener.pausedAtStart { container.pause() }
            return container
        }
    }
}
