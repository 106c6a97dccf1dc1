import ServiceLifecycle

extension ReplyingProducer: Service {
    /// Runs as a swift-service-lifecycle service: starts reading replies, waits for graceful shutdown, then closes
    /// (requests still waiting fail with ``ReplyingProducerError/closed``; the producer stays open).
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await close()
    }
}
