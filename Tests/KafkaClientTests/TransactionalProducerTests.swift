import KafkaClient
import KafkaListenersTesting
import Testing

/// One step's outcome, as the tests compare it.
struct Verdict: Equatable, CustomStringConvertible {
    var codeName: String?
    var fatal: Bool
    var abortable: Bool
    var retriable: Bool
    var fenced: Bool

    init(_ error: KafkaError) {
        codeName = error.codeName
        fatal = error.isFatal
        abortable = error.requiresTransactionAbort
        retriable = error.isRetriable
        fenced = error.isFenced
    }

    var description: String {
        "\(codeName ?? "-")\(fatal ? " fatal" : "")\(abortable ? " abortable" : "")\(retriable ? " retriable" : "")\(fenced ? " fenced" : "")"
    }
}

@Suite("Transactional producer on EmbeddedKafka", .timeLimit(.minutes(10)))
struct TransactionalProducerTests {
    /// A cluster of its own (injected errors apply to the whole cluster), a topic, and a transactional producer.
    private func setUp(_ name: String) async throws -> (EmbeddedKafka, KafkaProducer) {
        let kafka = try await EmbeddedKafka.start(brokers: 1)
        try kafka.createTopic(name, partitions: 1)
        let producer = try KafkaProducer(
            configuration: kafka.configuration(["transactional.id": "\(name)-tx", "transaction.timeout.ms": "10000"]))
        return (kafka, producer)
    }

    @Test("init, begin, send, send offsets with the consumer's group metadata, commit; then begin, send, abort")
    func callSequence() async throws {
        let (kafka, producer) = try await setUp("txn-sequence")
        let consumer = try KafkaConsumer(
            configuration: kafka.configuration(["group.id": "txn-sequence-group", "enable.auto.commit": "false"]))
        try await consumer.subscribe(topics: ["txn-sequence"])
        let metadata = try await consumer.withSession { try $0.groupMetadata() }
        try await producer.initTransactions(timeout: .seconds(10))
        try await producer.beginTransaction()
        let written = try await producer.send(ProducerRecord(topic: "txn-sequence", partition: 0, value: "committed"))
        try await producer.sendOffsetsToTransaction(
            [TopicPartitionOffset("txn-sequence", 0, 1)], groupMetadata: metadata, timeout: .seconds(10))
        try await producer.commitTransaction(timeout: .seconds(10))
        try await producer.beginTransaction()
        try await producer.send(ProducerRecord(topic: "txn-sequence", partition: 0, value: "aborted"))
        try await producer.abortTransaction(timeout: .seconds(10))
        #expect(written.offset == 0)
        // The mock keeps no offsets sent in a transaction: nothing is committed for the group.
        let committed = try await consumer.committed([TopicPartition("txn-sequence", 0)])
        #expect(committed.first?.offset.rawValue ?? 0 < 0, "the mock stores no transactional offsets: \(committed)")
        await consumer.close()
        await producer.close()
        await kafka.stop()
    }

    @Test("a transactional call before init_transactions fails with librdkafka's state error")
    func beginBeforeInit() async throws {
        let (kafka, producer) = try await setUp("txn-early")
        let error = await #expect(throws: KafkaError.self) { try await producer.beginTransaction() }
        #expect(error?.codeName == "_STATE")
        await producer.close()
        await kafka.stop()
    }

    /// What each injected error leads to, measured with librdkafka 2.0.2 (Docs/Transactions.md lists the same).
    static let injected: [(KafkaAPI, KafkaResponseCode, [String])] = [
        (.endTxn, .unknownProducerId, ["commit: UNKNOWN_PRODUCER_ID abortable", "abort ok"]),
        (.endTxn, .invalidProducerIdMapping, ["commit: INVALID_PRODUCER_ID_MAPPING abortable", "abort ok"]),
        (.endTxn, .requestTimedOut, ["commit: REQUEST_TIMED_OUT abortable", "abort ok"]),
        (.endTxn, .invalidTxnState, ["commit: INVALID_TXN_STATE fatal"]),
        (.endTxn, .producerFenced, ["commit: _FENCED fatal fenced"]),
        (.endTxn, .invalidProducerEpoch, ["commit: _FENCED fatal fenced"]),
        (.endTxn, .transactionalIdAuthorizationFailed, ["commit: TRANSACTIONAL_ID_AUTHORIZATION_FAILED fatal"]),
        (.endTxn, .concurrentTransactions, ["commit ok"]),
        (.endTxn, .notCoordinator, ["commit ok"]),
        (.addPartitionsToTxn, .topicAuthorizationFailed, ["send: _PURGE_QUEUE", "abort ok"]),
        (.addPartitionsToTxn, .producerFenced, ["send: _PURGE_QUEUE", "abort: _FENCED fatal fenced"]),
        (.addPartitionsToTxn, .invalidTxnState, ["send: _PURGE_QUEUE", "abort: INVALID_TXN_STATE fatal"]),
        (.addPartitionsToTxn, .unknownTopicOrPartition, ["commit ok"]),
        (.addPartitionsToTxn, .concurrentTransactions, ["commit ok"]),
        (.initProducerId, .transactionalIdAuthorizationFailed, ["init: TRANSACTIONAL_ID_AUTHORIZATION_FAILED fatal"]),
        (.initProducerId, .producerFenced, ["init: _FENCED fatal fenced"]),
        (.initProducerId, .coordinatorNotAvailable, ["commit ok"]),
        (.initProducerId, .concurrentTransactions, ["commit ok"]),
        (.addOffsetsToTxn, .groupAuthorizationFailed, ["offsets: GROUP_AUTHORIZATION_FAILED abortable", "abort ok"]),
        (.txnOffsetCommit, .groupAuthorizationFailed, ["offsets: GROUP_AUTHORIZATION_FAILED abortable", "abort ok"]),
        (.txnOffsetCommit, .unknownMemberId, ["offsets: UNKNOWN_MEMBER_ID abortable", "abort ok"]),
    ]

    @Test("an error injected on a transactional request ends as librdkafka decides: retried, abortable or fatal")
    func injectedErrors() async throws {
        for (api, code, expected) in Self.injected {
            let name = "txn-inject-\(api.rawValue)-\(code.rawValue)"
            let (kafka, producer) = try await setUp(name)
            let consumer = try KafkaConsumer(
                configuration: kafka.configuration(["group.id": "\(name)-group", "enable.auto.commit": "false"]))
            let metadata = try await consumer.withSession { try $0.groupMetadata() }
            var outcome: [String] = []
            var step = "init"
            do {
                if api == .initProducerId { kafka.pushRequestErrors(api, [code]) }
                try await producer.initTransactions(timeout: .seconds(5))
                if api != .initProducerId { kafka.pushRequestErrors(api, [code]) }
                try await producer.beginTransaction()
                step = "send"
                try await producer.send(ProducerRecord(topic: name, partition: 0, value: "x"))
                step = "offsets"
                try await producer.sendOffsetsToTransaction(
                    [TopicPartitionOffset(name, 0, 1)], groupMetadata: metadata, timeout: .seconds(5))
                step = "commit"
                try await producer.commitTransaction(timeout: .seconds(5))
                outcome.append("commit ok")
            } catch let error as KafkaError {
                outcome.append("\(step): \(Verdict(error))")
                if !error.isFatal {
                    do {
                        try await producer.abortTransaction(timeout: .seconds(5))
                        outcome.append("abort ok")
                    } catch let error as KafkaError {
                        outcome.append("abort: \(Verdict(error))")
                    }
                }
            }
            #expect(outcome == expected, "\(api) \(code)")
            await consumer.close()
            await producer.close(timeout: .seconds(1))
            await kafka.stop()
        }
    }
}
