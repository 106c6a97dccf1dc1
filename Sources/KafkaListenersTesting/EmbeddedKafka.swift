import Crdkafka
import KafkaClient
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-process Kafka cluster for tests and samples: librdkafka's built-in mock cluster.
///
/// It speaks the real Kafka protocol on loopback ports (produce, fetch, list offsets, metadata,
/// consumer groups, offset commit and fetch, transactions), so any client can use ``bootstrapServers``.
/// It does not implement CreateTopics or DeleteTopics: create topics with ``createTopic(_:partitions:replicationFactor:)``.
/// It keeps at most about 5 MiB per partition and silently drops older records. A group's first join
/// takes about 3 s. Call ``stop()`` when done; a cluster that is dropped is stopped on release.
public final class EmbeddedKafka: Sendable {
    private let state: MockClusterState
    /// The comma-separated `host:port` list of the cluster's brokers.
    public let bootstrapServers: String
    /// How many brokers the cluster runs (ids 1 … n).
    public let brokerCount: Int

    /// Starts a cluster with `brokers` brokers.
    ///
    /// - Throws: `KafkaError` if librdkafka cannot create the cluster.
    public init(brokers: Int = 1) throws {
        precondition(brokers >= 1, "an embedded cluster needs at least one broker")
        state = try Self.withAsynchronousSignalsBlocked { try MockClusterState(brokers: brokers) }
        bootstrapServers = state.bootstrapServers
        brokerCount = brokers
    }

    /// Starts a cluster off the cooperative pool (starting spawns broker threads).
    public static func start(brokers: Int = 1) async throws -> EmbeddedKafka {
        try await runBlocking("embedded-kafka-start") { try EmbeddedKafka(brokers: brokers) }
    }

    /// A consumer or producer configuration pointing at this cluster.
    public func configuration(_ extra: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrapServers).merging(KafkaConfiguration(extra))
    }

    /// Creates a topic with `partitions` partitions.
    ///
    /// - Throws: `.invalidTopicName` for a bad name, `.invalidArgument` for a bad count, `.broker` otherwise.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        try TopicName.validate(name)
        guard partitions >= 1 else {
            throw KafkaError(
                kind: .invalidArgument, message: "partitions must be at least 1, got \(partitions)",
                operation: "create topic '\(name)'")
        }
        guard replicationFactor >= 1 && Int(replicationFactor) <= brokerCount else {
            throw KafkaError(
                kind: .invalidArgument,
                message: "replication factor must be 1…\(brokerCount), got \(replicationFactor)",
                operation: "create topic '\(name)'")
        }
        try state.check(operation: "create topic '\(name)'") {
            rd_kafka_mock_topic_create($0, name, partitions, replicationFactor)
        }
    }

    /// Runs `body` with asynchronous signals blocked on the calling thread, so the threads librdkafka starts in it
    /// (the mock cluster's among them) inherit that mask. librdkafka 2.0.2's mock cluster gives up when its `poll()` is
    /// interrupted by a signal (it logs "Mock cluster failed to poll … Interrupted system call" and aborts the
    /// process); a signal meant for the process (a child exiting, a terminal's Ctrl-C) must go to another thread.
    /// Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP) stay unblocked so crashes are still reported.
    private static func withAsynchronousSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        #if canImport(Glibc)
        var blocked = sigset_t()
        var previous = sigset_t()
        sigfillset(&blocked)
        for fault in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { sigdelset(&blocked, fault) }
        pthread_sigmask(SIG_SETMASK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        #endif
        return try body()
    }

    /// Takes broker `id` down: its connections drop and it refuses new ones until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws {
        try state.check(operation: "take broker \(id) down") { rd_kafka_mock_broker_set_down($0, id) }
    }

    /// Brings broker `id` back up.
    public func setBrokerUp(_ id: Int32) throws {
        try state.check(operation: "bring broker \(id) up") { rd_kafka_mock_broker_set_up($0, id) }
    }

    /// Delays every response of broker `id` by `delay`.
    public func setRoundTripDelay(broker id: Int32, _ delay: Duration) throws {
        try state.check(operation: "set broker \(id) round-trip delay") {
            rd_kafka_mock_broker_set_rtt(
                $0, id, Int32(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000))
        }
    }

    /// Makes the next `errors.count` requests of type `api` (to any broker) fail with these codes, in order.
    public func pushRequestErrors(_ api: KafkaAPI, _ errors: [KafkaResponseCode]) {
        state.withCluster { cluster in
            let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
            codes.withUnsafeBufferPointer {
                rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, $0.count, $0.baseAddress)
            }
        }
    }

    /// Forgets errors pushed for `api` that have not fired yet.
    public func clearRequestErrors(_ api: KafkaAPI) {
        state.withCluster { rd_kafka_mock_clear_request_errors($0, api.rawValue) }
    }

    /// Makes every request for `topic` fail with `error` (`KafkaResponseCode.noError` clears it).
    public func setTopicError(_ topic: String, _ error: KafkaResponseCode) {
        state.withCluster { rd_kafka_mock_topic_set_error($0, topic, rd_kafka_resp_err_t(rawValue: error.rawValue)) }
    }

    /// Stops the cluster and frees it; clients still connected see their brokers go away. Safe to repeat.
    public func stop() async {
        let state = self.state
        _ = try? await runBlocking("embedded-kafka-stop") { state.destroy() }
    }
}

/// The mock cluster and the librdkafka handle it lives on; destroyed once, by `destroy()` or on release.
final class MockClusterState: Sendable {
    // The pointers stay valid until `destroy()`, which nils them out under the lock, so no call can
    // use a destroyed cluster.
    private struct Pointers: @unchecked Sendable {
        var handle: OpaquePointer
        var cluster: OpaquePointer
    }

    private let pointers: Mutex<Pointers?>
    let bootstrapServers: String

    init(brokers: Int) throws {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .broker, message: "rd_kafka_conf_new failed", operation: "start embedded Kafka")
        }
        var text = [CChar](repeating: 0, count: 256)
        // The host handle is only a carrier for the mock cluster; keep its own logging quiet.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &text, text.count)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &text, text.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                kind: .broker,
                message: String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self),
                operation: "start embedded Kafka")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw KafkaError(
                kind: .broker, message: "rd_kafka_mock_cluster_new failed", operation: "start embedded Kafka")
        }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        pointers = Mutex(Pointers(handle: handle, cluster: cluster))
    }

    func withCluster(_ body: (OpaquePointer) -> Void) {
        pointers.withLock { if let p = $0 { body(p.cluster) } }
    }

    func check(operation: String, _ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws {
        let err: rd_kafka_resp_err_t = try pointers.withLock {
            guard let p = $0 else {
                throw KafkaError(kind: .closed, message: "the embedded cluster was stopped", operation: operation)
            }
            return body(p.cluster)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(
                kind: .broker, code: err.rawValue, codeName: String(cString: rd_kafka_err2name(err)),
                message: String(cString: rd_kafka_err2str(err)), operation: operation)
        }
    }

    func destroy() {
        guard
            let p = pointers.withLock({ current -> Pointers? in
                defer { current = nil }
                return current
            })
        else { return }
        rd_kafka_mock_cluster_destroy(p.cluster)
        rd_kafka_destroy(p.handle)
    }

    deinit { destroy() }
}
