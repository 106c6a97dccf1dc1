/// Code around a producer's sends (Kafka's `ProducerInterceptor`): sees (and may change) each record before
/// it is enqueued, and each outcome.
///
/// `onSend` runs on the sending task, before the topic name is checked and before tracing headers are
/// added; interceptors run in the order given to the producer. `onAcknowledgement` runs once per `send`
/// with its result; for `sendAndForget` only failures are reported (with the topic and partition, since the
/// record itself is gone by then). Keep both quick.
public protocol ProducerInterceptor: Sendable {
    /// Sees a record about to be sent; returns the record to send.
    func onSend(_ record: ProducerRecord) -> ProducerRecord
    /// A `send` finished: where the record landed, or why it failed.
    func onAcknowledgement(_ record: ProducerRecord, result: Result<RecordMetadata, KafkaError>)
    /// A `sendAndForget` record could not be delivered.
    func onDeliveryFailure(_ failure: ProducerRecordFailure)
}

extension ProducerInterceptor {
    public func onSend(_ record: ProducerRecord) -> ProducerRecord { record }
    public func onAcknowledgement(_ record: ProducerRecord, result: Result<RecordMetadata, KafkaError>) {}
    public func onDeliveryFailure(_ failure: ProducerRecordFailure) {}
}
