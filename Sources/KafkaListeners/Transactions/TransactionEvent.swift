import KafkaClient

/// A transactional call a container makes for a transactional listener.
public enum TransactionStep: String, Sendable, Hashable, CustomStringConvertible {
    /// `init_transactions`: registers the `transactional.id` (once per producer).
    case initialize
    /// `begin_transaction`.
    case begin
    /// `send_offsets_to_transaction`: the handled records' offsets join the transaction.
    case sendOffsets
    /// `commit_transaction`.
    case commit
    /// `abort_transaction`.
    case abort

    public var description: String { rawValue }
}

/// What happened to a transactional listener's transaction (``ContainerEvent/Kind/transaction(_:)``).
public enum TransactionEvent: Sendable, CustomStringConvertible {
    /// A transaction began, before the poll's records were handed to the listener.
    case begun
    /// The handled records' offsets (each the next offset to read) were sent to the transaction.
    case offsetsSent([TopicPartitionOffset])
    /// The transaction committed: the listener's records and these offsets are visible together.
    case committed([TopicPartitionOffset])
    /// The transaction was aborted: its records are discarded and the poll's records are delivered again.
    case aborted
    /// A transactional call failed (what follows: an abort, a retry, or a stop if the error is fatal).
    case failed(TransactionStep, error: KafkaError)

    public var description: String {
        switch self {
        case .begun: "begun"
        case .offsetsSent(let offsets): "offsets sent \(offsets)"
        case .committed(let offsets): "committed \(offsets)"
        case .aborted: "aborted"
        case .failed(let step, let error): "\(step) failed: \(error)"
        }
    }
}
