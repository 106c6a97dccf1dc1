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
public final class KafkaApplication: Service, Sendable {
    /// The registry holding every container (start, stop, pause, resume, status, events).
    public let registry: ListenerRegistry
    /// The listeners as declared (after overrides), in declaration order.
    public let listeners: [DeclaredListener]

    /// Registers the listeners of `content` on a new registry over `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: what every listener shares (bootstrap servers, security…).
    ///   - overrides: external settings per listener id (see ``ListenerOverrides``).
    ///   - logger: receives the registry's and the containers' log lines.
    ///   - content: the listener declarations (``Listen``, ``ListenBatch``, listener types, ``ListenerGroup``, …).
    /// - Throws: ``ListenerError`` for a duplicate id or unusable settings, ``ListenerOverrideError`` for an
    ///   override naming an unknown listener or holding an invalid value.
    public convenience init(
        _ configuration: KafkaConfiguration, overrides: ListenerOverrides = ListenerOverrides(),
        logger: Logger = Logger(label: "kafka.listeners"), @ListenersBuilder _ content: () -> [any ListenerDeclaration]
    ) throws {
        try self.init(configuration, overrides: overrides, logger: logger, declarations: content())
    }

    /// Registers `declarations` on a new registry over `configuration`.
    public init(
        _ configuration: KafkaConfiguration, overrides: ListenerOverrides = ListenerOverrides(),
        logger: Logger = Logger(label: "kafka.listeners"), declarations: [any ListenerDeclaration]
    ) throws {
        let declared = try overrides.apply(to: ListenerGroup(declarations).declaredListeners())
        let registry = ListenerRegistry(baseConfiguration: configuration, logger: logger)
        for listener in declared {
            try registry.register(listener.endpoint)
            if listener.pausedAtStart { try registry.pause(listener.endpoint.id) }
        }
        self.registry = registry
        self.listeners = declared
    }

    /// Runs as a service: starts the auto-startup listeners, waits for graceful shutdown, stops them all.
    public func run() async throws {
        try await registry.run()
    }

    /// Starts the auto-startup listeners (without the service lifecycle; pair with ``stop()``).
    public func start() async throws { try await registry.startAll() }

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
        try declaration.declaredListeners().map { listener in
            let container = try register(listener.endpoint)
            if listener.pausedAtStart { container.pause() }
            return container
        }
    }
}
