import Crdkafka
import Logging

/// Owns one `rd_kafka_t` and the callbacks object behind its opaque; destroys the handle exactly once.
///
/// The pointer never leaves the KafkaClient module. `destroy()` must run on a thread the library owns
/// (`rd_kafka_destroy` can block while it closes connections).
final class NativeHandle: @unchecked Sendable {
    // `pointer` is immutable after init; `destroyed` is only touched by the owning thread, and
    // `destroy()` is called once by that owner (guarded by its own close state).
    let pointer: OpaquePointer
    let callbacks: NativeCallbacks
    private var destroyed = false

    /// Creates a consumer or producer handle from `configuration`.
    ///
    /// - Throws: ``KafkaError`` of kind `.configuration` for a bad key or value, or when librdkafka
    ///   refuses the combination.
    init(
        type: rd_kafka_type_t, configuration: KafkaConfiguration, logger: Logger,
        setUp: (OpaquePointer, NativeCallbacks) -> Void = { _, _ in }
    ) throws {
        let callbacks = NativeCallbacks(logger: logger, secrets: configuration.secretValues)
        let conf = try configuration.makeNativeConfiguration()
        callbacks.install(on: conf, consumer: type == RD_KAFKA_CONSUMER, producer: type == RD_KAFKA_PRODUCER)
        setUp(conf, callbacks)
        var errorText = [CChar](repeating: 0, count: 512)
        // On success rd_kafka_new takes ownership of conf; on failure it is still ours.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let reason = SecretRedaction.redact(
                String(decoding: errorText.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self),
                secrets: configuration.secretValues)
            throw KafkaError(
                kind: .configuration, message: "librdkafka refused the configuration: \(reason)",
                operation: "create a \(type == RD_KAFKA_CONSUMER ? "consumer" : "producer")")
        }
        self.pointer = handle
        self.callbacks = callbacks
    }

    /// The client's name as librdkafka reports it (such as `rdkafka#consumer-1`).
    var name: String { String(cString: rd_kafka_name(pointer)) }

    /// The number librdkafka gives the client within the process (the `1` of `rdkafka#consumer-1`).
    var number: String { String(name.reversed().prefix { $0.isNumber }.reversed()) }

    /// Destroys the handle; later calls do nothing. `skippingConsumerClose` leaves out the consumer close
    /// `rd_kafka_destroy` would otherwise run (`RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE`).
    func destroy(skippingConsumerClose: Bool = false) {
        guard !destroyed else { return }
        destroyed = true
        if skippingConsumerClose {
            rd_kafka_destroy_flags(pointer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
        } else {
            rd_kafka_destroy(pointer)
        }
    }

    deinit {
        // Owners destroy explicitly on their thread; this only catches a handle that was never started.
        if !destroyed { rd_kafka_destroy(pointer) }
    }
}
