import KafkaClient

/// Runs a listener in Kafka transactions (consume-transform-produce, Spring-Kafka's `KafkaTransactionManager`
/// on a listener container): per poll, the records the listener sends through
/// ``ListenerContext/transactionalSender`` and the offsets of the records it handled commit together, or not
/// at all.
///
/// Each child container owns a transactional producer with `transactional.id` = ``transactionalIdPrefix`` +
/// the child's id (`<listener id>-<child index>`), as Spring gives each child its own suffix. The consumer
/// reads with `isolation.level=read_committed` unless the endpoint's consumer properties say otherwise. No
/// offset is committed outside the transactions: the ack mode does not apply.
///
/// A listener failure aborts the transaction; the poll's partitions are sought back to their last committed
/// offsets and the records are delivered again, as the error handler's back-off allows; then its recoverer
/// runs and the recovered record's offset goes into the next transaction. A fatal producer error (fenced by
/// another producer with the same `transactional.id`, not authorized) stops the container with
/// ``StopReason/fatal(_:)``.
public struct ListenerTransactions: Sendable, CustomStringConvertible {
    /// Prepended to each child container's id to make its `transactional.id`.
    public var transactionalIdPrefix: String
    /// librdkafka producer properties laid over the registry's base configuration (for example
    /// `transaction.timeout.ms`); `transactional.id` is set by the container.
    public var producerProperties: [String: String]
    /// How long each blocking transactional call (initialize, send offsets, commit, abort) may take.
    public var timeout: Duration
    /// How long the poll's partitions wait before their records come again after a transaction could not be
    /// initialized or begun (a coordinator that is not available yet).
    public var retryDelay: Duration

    /// Creates transaction settings.
    ///
    /// - Parameters:
    ///   - transactionalIdPrefix: prepended to each child container's id to make its `transactional.id`.
    ///   - producerProperties: librdkafka producer properties laid over the registry's base configuration.
    ///   - timeout: how long each blocking transactional call may take.
    ///   - retryDelay: the wait before records come again after a failed initialize or begin.
    public init(
        transactionalIdPrefix: String, producerProperties: [String: String] = [:], timeout: Duration = .seconds(30),
        retryDelay: Duration = .seconds(1)
    ) {
        self.transactionalIdPrefix = transactionalIdPrefix
        self.producerProperties = producerProperties
        self.timeout = timeout
        self.retryDelay = retryDelay
    }

    /// The `transactional.id` of the child container `containerId`.
    public func transactionalId(containerId: String) -> String {
        transactionalIdPrefix + containerId
    }

    public var description: String {
        let properties = producerProperties.sorted { $0.key < $1.key }.map {
            "\($0.key)=\(KafkaConfiguration.isSecret($0.key) ? SecretRedaction.placeholder : $0.value)"
        }.joined(separator: ", ")
        return
            "ListenerTransactions(transactionalIdPrefix: \(transactionalIdPrefix), timeout: \(timeout), producerProperties: [\(properties)])"
    }

    /// The producer configuration of one child: the base configuration, the producer properties, the
    /// `transactional.id` and a `client.id` naming the child.
    func producerConfiguration(base: KafkaConfiguration, containerId: String) -> KafkaConfiguration {
        var configuration = base.merging(KafkaConfiguration(producerProperties))
        configuration["transactional.id"] = transactionalId(containerId: containerId)
        configuration["client.id"] = "\(containerId)-tx"
        return configuration
    }

    /// Checks what can be checked without a broker.
    func validate(_ endpoint: ListenerEndpoint) throws {
        func fail(_ reason: String) -> ListenerError { .invalidEndpoint(id: endpoint.id, reason: reason) }
        if endpoint.perPartition != nil {
            throw fail("a transactional listener runs in a single container per child, not per partition")
        }
        if endpoint.ackMode.isManual {
            throw fail("a transactional listener commits in its transactions; manual ack modes do not apply")
        }
        if timeout <= .zero { throw fail("the transaction timeout must be positive, got \(timeout)") }
        if retryDelay < .zero { throw fail("the transaction retry delay must not be negative, got \(retryDelay)") }
        if producerProperties["transactional.id"] != nil {
            throw fail("transactional.id is set by the container (prefix + child id); set transactionalIdPrefix")
        }
    }
}
