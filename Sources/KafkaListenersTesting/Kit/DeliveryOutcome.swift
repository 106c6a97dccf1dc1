import KafkaClient
import KafkaListeners

/// What became of records a ``ListenerTestKit`` delivered: every listener call, the error handler's
/// decisions, recoveries (dead letters included), and what the listener asked of its container.
public struct DeliveryOutcome: Sendable {
    /// One call of the listener.
    public struct Call: Sendable {
        /// The records handed to the listener (after interceptors and filters).
        public var records: [ConsumerRecord]
        /// What the call threw (`nil`: it returned).
        public var error: (any Error)?
    }

    /// A retry the error handler decided on (a container would wait `delay`, then deliver again; the kit
    /// delivers again at once).
    public struct Retry: Sendable, Hashable {
        /// The record that failed (for a batch: the failed record or the batch's first).
        public var position: RecordPosition
        /// The number of the attempt that failed (1 for the first).
        public var attempt: Int
        /// The back-off's wait before the next attempt.
        public var delay: Duration
    }

    /// How the error handler's recoverer dealt with a record it stopped retrying.
    public enum Recovery: Sendable {
        /// `Recoverer.logAndSkip`: logged and skipped.
        case skipped
        /// `Recoverer.deadLetter(_:)`: the dead letter the publisher would send (not sent).
        case deadLettered(ProducerRecord)
        /// `Recoverer.custom(_:)`: the custom recoverer ran and returned.
        case custom
        /// `Recoverer.stopContainer`: the container would stop; the record is not processed.
        case stopContainer
        /// The recoverer threw (or the dead letter could not be built): the record is not processed; a
        /// container would try the recovery again after a second.
        case failed(any Error)
    }

    /// A record the recoverer took.
    public struct Recovered: Sendable {
        /// The record.
        public var record: ConsumerRecord
        /// The error it failed with last.
        public var error: any Error
        /// How many attempts failed.
        public var attempts: Int
        /// What the recoverer did.
        public var recovery: Recovery
    }

    /// Every listener call, in order.
    public internal(set) var calls: [Call] = []
    /// Every retry decision, in order.
    public internal(set) var retries: [Retry] = []
    /// Every record the recoverer took, in order.
    public internal(set) var recovered: [Recovered] = []
    /// Records a record interceptor or filter (or a consumer interceptor) skipped.
    public internal(set) var skipped: [ConsumerRecord] = []
    /// Records not handed to the listener because a nack, a seek or a stopping container moved the partition
    /// elsewhere (a container delivers them again from the new position).
    public internal(set) var notDelivered: [ConsumerRecord] = []
    /// What the listener asked of its container (acknowledgements, nacks, seeks), in order.
    public internal(set) var containerCalls: [ListenerCall] = []
    /// The records that count as processed, so a container would commit past them: in automatic ack modes
    /// the handled, skipped and recovered ones; in manual modes the acknowledged, recovered and (as the
    /// interceptor says) skipped ones.
    public internal(set) var processed: [RecordPosition] = []
    /// Whether the container would stop (`Recoverer.stopContainer`).
    public internal(set) var stopsContainer = false
    /// Whether the kit stopped retrying at its ``ListenerTestKit/maxCallsPerDelivery`` while the back-off still
    /// asked for retries.
    public internal(set) var stillRetrying = false

    /// What the listener's last call threw, `nil` if it returned (or was never called).
    public var error: (any Error)? { calls.last?.error }
    /// Whether the listener's last call returned.
    public var succeeded: Bool { calls.last.map { $0.error == nil } ?? false }
    /// The records the listener acknowledged (through `acknowledge`, `acknowledge(upTo:)`, or before a nacked
    /// record of the same partition), in order.
    public var acknowledged: [RecordPosition] {
        containerCalls.flatMap { call -> [RecordPosition] in
            switch call {
            case .acknowledge(let positions): positions
            case .nack(_, _, _, let acknowledging): acknowledging
            case .seek: []
            }
        }
    }
    /// The listener's nacks: the record, its index in the call, and the sleep asked for.
    public var nacks: [(position: RecordPosition, index: Int, sleep: Duration)] {
        containerCalls.compactMap { call in
            if case .nack(let position, let index, let sleep, _) = call { return (position, index, sleep) }
            return nil
        }
    }
    /// The seeks the listener asked for.
    public var seeks: [(partition: TopicPartition, position: SeekPosition)] {
        containerCalls.compactMap { call in
            if case .seek(let tp, let position) = call { return (tp, position) }
            return nil
        }
    }
    /// The dead letters the recoverer built, in order.
    public var deadLetters: [ProducerRecord] {
        recovered.compactMap { if case .deadLettered(let letter) = $0.recovery { return letter } else { return nil } }
    }
}
