import KafkaClient
import Logging
import Synchronization

/// What a transactional child container owns for its transactions: the producer (created at the first poll
/// with records, closed when the container stops), the ``TransactionCycle``, the records the error handler
/// recovered after a rollback (their offsets go into the next transaction without the listener), and the
/// reason of a fatal stop.
final class ContainerTransactions: Sendable {
    let settings: ListenerTransactions
    let configuration: KafkaConfiguration
    let transactionalId: String
    private let state = Mutex<Owned>(Owned())

    private struct Owned: Sendable {
        var producer: KafkaProducer?
        var cycle = TransactionCycle()
        var recovered: Set<RecordKey> = []
        var fatalReason: String?
    }

    init(settings: ListenerTransactions, configuration: KafkaConfiguration, transactionalId: String) {
        self.settings = settings
        self.configuration = configuration
        self.transactionalId = transactionalId
    }

    /// Feeds the cycle one event.
    func withCycle<T>(_ body: (inout TransactionCycle) -> T) -> T {
        state.withLock { body(&$0.cycle) }
    }

    /// The producer of this run, created on first use.
    func producer(logger: Logger) throws -> KafkaProducer {
        try state.withLock { owned in
            if let producer = owned.producer { return producer }
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            owned.producer = producer
            return producer
        }
    }

    /// The producer while a transaction is open, for the listener's sends.
    func openProducer() throws -> KafkaProducer {
        try state.withLock { owned in
            guard owned.cycle.isOpen, let producer = owned.producer else {
                throw ListenerError.invalidState(
                    "no transaction of '\(transactionalId)' is open: send only while the listener handles its records")
            }
            return producer
        }
    }

    /// Notes a record the error handler recovered after a rollback: the next transaction takes its offset.
    func markRecovered(_ key: RecordKey) {
        state.withLock { _ = $0.recovered.insert(key) }
    }

    /// Whether `key` was recovered (and forgets it: its offset now goes into this transaction).
    func takeRecovered(_ key: RecordKey) -> Bool {
        state.withLock { $0.recovered.isEmpty ? false : $0.recovered.remove(key) != nil }
    }

    /// Notes why the container stops (a fatal producer error).
    func noteFatal(_ reason: String) {
        state.withLock { $0.fatalReason = $0.fatalReason ?? reason }
    }

    /// Closes the producer (an open transaction is aborted by the broker when its timeout passes, or by the next
    /// producer with this `transactional.id`); returns the fatal reason the run ended with, if any.
    func close() async -> String? {
        let (producer, reason) = state.withLock { owned -> (KafkaProducer?, String?) in
            defer {
                owned.producer = nil
                owned.cycle.reset()
                owned.recovered = []
                owned.fatalReason = nil
            }
            return (owned.producer, owned.fatalReason)
        }
        await producer?.close(timeout: settings.timeout)
        return reason
    }
}
