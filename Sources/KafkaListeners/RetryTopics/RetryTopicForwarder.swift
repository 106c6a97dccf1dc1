import Foundation
import KafkaClient
import Logging

/// Sends a record whose attempt failed on to its next retry topic, or to the dead-letter topic after the last
/// attempt (the recoverer of every container of a listener with retry topics).
struct RetryTopicForwarder: Sendable {
    let plan: RetryTopicPlan
    let configuration: RetryTopics
    let producer: KafkaProducer
    let consumerGroup: String
    let logger: Logger

    /// Forwards `record`, which just failed with `error`; returns once the broker has it.
    ///
    /// - Throws: when the record could not be sent (the container then does not commit past it and tries again).
    func forward(_ record: ConsumerRecord, error: any Error) async throws {
        let attempt = RetryTopicHeaders.attempt(of: record)
        let retryable = configuration.isRetryable(error)
        let now = Self.epochMilliseconds()
        switch plan.next(afterFailedAttempt: attempt, retryable: retryable) {
        case .retry(let topic, let delay, let next):
            let due = now.addingReportingOverflow(RetryTopicPlan.milliseconds(delay)).partialValue
            var headers = carried(record, error: error, attempt: attempt)
            headers.append(
                RecordHeader(key: RetryTopicHeaders.attempts, value: DeadLetterHeaders.bigEndian(Int32(clamping: next)))
            )
            headers.append(
                RecordHeader(key: RetryTopicHeaders.backOffTimestamp, value: RetryTopicHeaders.minimalBytes(due)))
            headers.append(
                RecordHeader(
                    key: RetryTopicHeaders.originalTimestamp,
                    value: RetryTopicHeaders.minimalBytes(RetryTopicHeaders.originalMilliseconds(of: record))))
            try await send(record, to: topic, headers: headers)
            logger.info(
                "attempt \(attempt) of \(record.topicPartition)@\(record.offset) failed; retrying in \(delay) through \(topic)"
            )
        case .deadLetter(let topic):
            try await send(record, to: topic, headers: carried(record, error: error, attempt: attempt))
            logger.warning(
                "\(record.topicPartition)@\(record.offset) failed \(retryable ? "its last attempt (\(attempt))" : "with an error not retried"); sent to \(topic)"
            )
        case .drop:
            logger.error(
                "\(record.topicPartition)@\(record.offset) failed its last attempt (\(attempt)); dead letters are disabled: dropped"
            )
        }
    }

    /// The record's headers for its next hop: its own headers without the previous hop's retry and error headers,
    /// the original coordinates of the first failure (added once), and this failure's error and attempt count.
    private func carried(_ record: ConsumerRecord, error: any Error, attempt: Int) -> [RecordHeader] {
        let firstHop = !record.headers.contains { $0.key == DeadLetterHeaders.originalTopic }
        let replaced: Set<String> = [
            RetryTopicHeaders.attempts, RetryTopicHeaders.backOffTimestamp, RetryTopicHeaders.originalTimestamp,
            DeadLetterHeaders.exceptionType, DeadLetterHeaders.exceptionCauseType, DeadLetterHeaders.exceptionMessage,
            DeadLetterHeaders.exceptionStacktrace, DeadLetterHeaders.attempts,
        ]
        var headers = record.headers.filter { !replaced.contains($0.key) }
        for header in DeadLetterHeaders.headers(
            for: record, error: error, attempts: attempt, consumerGroup: consumerGroup)
        where firstHop || replaced.contains(header.key) {
            headers.append(header)
        }
        return headers
    }

    private func send(_ record: ConsumerRecord, to topic: String, headers: [RecordHeader]) async throws {
        let letter = ProducerRecord(
            topic: topic, partition: record.partition, key: record.key?.array, value: record.value?.array,
            headers: headers,
            timestampMilliseconds: nil)
        try await DeadLetterPublisher.sendKeepingPartition(letter, through: producer)
    }

    static func epochMilliseconds() -> Int64 {
        let seconds = Date().timeIntervalSince1970
        return seconds.isFinite ? Int64(clamping: Int64(exactly: (seconds * 1000).rounded(.down)) ?? 0) : 0
    }
}

/// Thrown by a retry container's listener wrapper for a record that is not due yet: the container has sought back
/// to it and paused its partition until it is due; the record is neither processed nor failed.
struct RecordHeld: Error {}

extension RetryTopics {
    /// A retry topic's listener: holds records until they are due (at most `longestDelay` ahead, whatever a
    /// header says), then calls `handler`.
    static func holding(_ handler: @escaping Listener.RecordHandler, longestDelay: Duration) -> Listener.RecordHandler {
        { record, context in
            if let due = RetryTopicHeaders.dueMilliseconds(of: record) {
                let (ahead, overflow) = due.subtractingReportingOverflow(RetryTopicForwarder.epochMilliseconds())
                if !overflow && ahead > 0 {
                    try context.hold(until: .now + min(.milliseconds(ahead), longestDelay))
                    throw RecordHeld()
                }
            }
            try await handler(record, context)
        }
    }
}
