import Crdkafka
import Logging
import Synchronization

/// What librdkafka's C callbacks reach through `rd_kafka_opaque`: the client's logger and the hooks of
/// the Swift object that owns the handle.
///
/// It outlives the `rd_kafka_t` it serves: the owning ``NativeHandle`` destroys the handle before
/// releasing this object.
final class NativeCallbacks: Sendable {
    /// An installed hook. Hooks are kept as class references, never as closures inside the `Mutex`:
    /// reading a closure back out of `Mutex.withLock` re-wraps it in a reabstraction thunk each time,
    /// and the chain grows by one per callback until the stack overflows (seen at ~32,000 deliveries).
    final class Hook<Function: Sendable>: Sendable {
        let call: Function
        init(_ call: Function) { self.call = call }
    }

    let logger: Logger
    /// The secret values of the client's configuration, removed from every line librdkafka logs.
    let secrets: [String]
    /// Called on the polling thread for `ASSIGN`/`REVOKE` rebalance events (consumers only).
    let rebalance = Mutex<
        Hook<
            @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) ->
                Void
        >?
    >(nil)
    /// Called on the polling thread for each delivery report (producers only).
    let delivery = Mutex<Hook<@Sendable (UnsafePointer<rd_kafka_message_t>) -> Void>?>(nil)
    /// Called on the polling thread when an async commit's result is served (consumers only).
    let commitResult = Mutex<
        Hook<@Sendable (Int, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Void>?
    >(nil)
    /// Called with each statistics JSON document, when `statistics.interval.ms` is set.
    let statistics = Mutex<Hook<@Sendable (String) -> Void>?>(nil)

    init(logger: Logger, secrets: [String] = []) {
        self.logger = logger
        self.secrets = secrets
    }

    /// The callbacks object registered as `rk`'s opaque.
    static func of(_ rk: OpaquePointer?) -> NativeCallbacks? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<NativeCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Installs the C callbacks on `conf` and points its opaque at `self` (unretained).
    func install(on conf: OpaquePointer, consumer: Bool, producer: Bool) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, text in
            guard let rk, let callbacks = NativeCallbacks.of(rk) else { return }
            LibrdkafkaLog.forward(
                rk, level: level, facility: facility, text: text, to: callbacks.logger, secrets: callbacks.secrets)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let callbacks = NativeCallbacks.of(rk) else { return }
            let error = KafkaError.rdkafka(
                rd_kafka_resp_err_t(rawValue: err), operation: "run the client",
                message: reason.map { SecretRedaction.redact(String(cString: $0), secrets: callbacks.secrets) })
            callbacks.logger.log(level: error.isFatal ? .critical : .warning, "librdkafka error: \(error)")
        }
        rd_kafka_conf_set_stats_cb(conf) { rk, json, length, _ in
            guard let callbacks = NativeCallbacks.of(rk), let json else { return 0 }
            if let handler = callbacks.statistics.withLock({ $0 }) {
                handler.call(String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self))
            }
            return 0  // librdkafka frees the JSON
        }
        if consumer {
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
                guard let rk, let partitions, let callbacks = NativeCallbacks.of(rk) else { return }
                if let handler = callbacks.rebalance.withLock({ $0 }) {
                    handler.call(rk, err, partitions)
                } else if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                    _ = rd_kafka_assign(rk, partitions)
                } else {
                    _ = rd_kafka_assign(rk, nil)
                }
            }
        }
        if producer {
            rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, _ in
                guard let message, let callbacks = NativeCallbacks.of(rk) else { return }
                if let handler = callbacks.delivery.withLock({ $0 }) { handler.call(message) }
            }
        }
    }
}
