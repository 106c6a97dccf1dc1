import Hummingbird
import Metrics
import Prometheus

/// Exposes the listener metrics (swift-metrics) in Prometheus' text format on `GET /metrics`.
///
/// swift-metrics has one process-wide backend: ``bootstrap()`` makes a Prometheus collector registry that
/// backend and returns it; pass it as ``ListenerAdminServer/Configuration/metrics`` and the admin server
/// serves it. An application that already bootstrapped swift-metrics with a `PrometheusMetricsFactory`
/// passes that factory's registry instead. Names and labels are listed in `Docs/Operations.md`.
public enum PrometheusExport {
    /// Creates a registry and bootstraps swift-metrics with a Prometheus factory writing to it.
    ///
    /// Call it once per process, before listeners start (swift-metrics allows one bootstrap per
    /// process, and metrics created before it go nowhere).
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// Adds `GET /metrics` serving `registry` to `router`.
    static func addRoute(to router: Router<BasicRequestContext>, registry: PrometheusCollectorRegistry) {
        router.get("metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
