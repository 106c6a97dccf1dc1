import Foundation
import Hummingbird
import KafkaClient
import KafkaListeners
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// HTTP admin endpoints for listing, pausing and resuming listeners, on Hummingbird.
///
/// Routes (JSON in and out; shapes in `Docs/Admin.md`):
/// - `GET /listeners`
/// - `PUT /listeners/{id}/pause?for=30s&scope=local|fleet`
/// - `PUT /listeners/{id}/resume?scope=local|fleet`
/// - `PUT /listeners/{id}/partitions/{topic}/{partition}/pause?for=30s` (local only)
/// - `GET /metrics` (Prometheus text format; only with ``Configuration/metrics`` set, see ``PrometheusExport``)
///
/// Every error is JSON, `{"error":{"message":"…"}}`: a bad parameter (a blank, over-long or control-character id, a
/// bad topic name, a partition that is not 0…2147483647, malformed percent-encoding) is a 400, an unknown listener a
/// 404. With a bearer token configured every request must carry it (401 otherwise; compared in constant time); an
/// empty token is a configuration error that ``run()`` throws. Without a token the server binds to 127.0.0.1 whatever
/// host was asked for. `scope=fleet` goes through the control plane and returns the instances' replies. One Kafka
/// admin client serves every request (made at the first that needs it, closed when the server stops).
public final class ListenerAdminServer: Service, Sendable {
    /// Server settings.
    public struct Configuration: Sendable {
        /// The interface to bind; ignored (loopback is used) when no bearer token is set.
        public var host: String
        /// The port; 0 picks a free one (see ``ListenerAdminServer/port(timeout:)``).
        public var port: Int
        /// The bearer token every request must present, or nil for loopback-only access without one. An empty or blank
        /// token is refused when the server starts.
        public var bearerToken: String?
        /// How many instances a fleet command waits for.
        public var fleetSize: Int
        /// How long a fleet command waits for replies.
        public var fleetTimeout: Duration
        /// The Prometheus registry `GET /metrics` serves (from ``PrometheusExport/bootstrap()``), or nil for no `/metrics`.
        public var metrics: PrometheusCollectorRegistry?

        /// Creates settings.
        public init(
            host: String = "127.0.0.1", port: Int = 8081, bearerToken: String? = nil, fleetSize: Int = 1,
            fleetTimeout: Duration = .seconds(10),
            metrics: PrometheusCollectorRegistry? = nil
        ) {
            self.host = host
            self.port = port
            self.bearerToken = bearerToken
            self.fleetSize = fleetSize
            self.fleetTimeout = fleetTimeout
            self.metrics = metrics
        }
    }

    private let registry: ListenerRegistry
    private let pauses: PauseService
    private let fleet: ControlPlaneClient?
    private let configuration: Configuration
    private let logger: Logger
    private let bound = BoundPort()

    /// The port the server bound, shared with the server's start-up callback.
    private final class BoundPort: Sendable {
        let port = Mutex<Int?>(nil)
    }

    /// Creates the server (it starts with ``run()``).
    public init(
        registry: ListenerRegistry, pauses: PauseService, fleet: ControlPlaneClient? = nil,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "kafka.listeners.admin")
    ) {
        self.registry = registry
        self.pauses = pauses
        self.fleet = fleet
        self.configuration = configuration
        self.logger = logger
    }

    /// The port the server listens on, once it does (waits up to `timeout`).
    public func port(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let port = bound.port.withLock({ $0 }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw KafkaError(
            kind: .timedOut, message: "the admin server did not start within \(timeout)",
            operation: "start the admin server")
    }

    /// A setting the server cannot run with (such as an empty bearer token). Its message never contains the token.
    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Serves until graceful shutdown.
    ///
    /// - Throws: ``ConfigurationError`` at once for an empty, blank or control-character bearer token; the server's
    ///   own errors (such as a port in use).
    public func run() async throws {
        let token = try configuration.bearerToken.map(BearerToken.init)
        var host = configuration.host
        if configuration.bearerToken == nil && host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning("no bearer token configured: binding the admin server to 127.0.0.1 instead of \(host)")
            host = "127.0.0.1"
        }
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        let kafkaAdmin = SharedKafkaAdmin(configuration: registry.baseConfiguration, logger: logger)
        AdminRoutes(
            registry: registry, pauses: pauses, fleet: fleet, configuration: configuration, kafkaAdmin: kafkaAdmin
        ).add(to: router)
        if let metrics = configuration.metrics { PrometheusExport.addRoute(to: router, registry: metrics) }
        let bound = self.bound
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: configuration.port)),
            onServerRunning: { channel in bound.port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        do {
            try await app.run()
        } catch {
            await kafkaAdmin.close()
            throw error
        }
        await kafkaAdmin.close()
    }
}
