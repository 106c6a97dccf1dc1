import Crdkafka
import Logging

/// The admin client's native state: the `rd_kafka_t` every admin request goes through, and what is
/// needed to open short-lived group consumers.
///
/// Everything here is touched only on the admin's own ``KafkaThread`` (every method runs as a job
/// there), which is what makes the `@unchecked Sendable` sound: `closed` is read and written only on
/// that thread, and the handle is destroyed there, once.
final class AdminCore: @unchecked Sendable {
    let handle: NativeHandle
    let configuration: KafkaConfiguration
    let logger: Logger
    /// The admin's thread; group consumers are closed there in the background after a call returns.
    let thread: KafkaThread
    var closed = false

    init(handle: NativeHandle, configuration: KafkaConfiguration, logger: Logger, thread: KafkaThread) {
        self.handle = handle
        self.configuration = configuration
        self.logger = logger
        self.thread = thread
    }

    var rk: OpaquePointer { handle.pointer }

    /// Serves what librdkafka queued on the main queue (error and statistics callbacks) without waiting.
    /// Called after every job, since nothing else polls an admin handle.
    func serveMainQueue() {
        guard !closed else { return }
        _ = rd_kafka_poll(rk, 0)
    }

    /// Frees the handle. Runs on the admin's thread; safe to call twice.
    func close() {
        guard !closed else { return }
        closed = true
        // Requests still in flight (ones whose caller already timed out) are cancelled by the destroy;
        // their results go to queues that were already destroyed and are dropped by librdkafka.
        handle.destroy()
    }
}
