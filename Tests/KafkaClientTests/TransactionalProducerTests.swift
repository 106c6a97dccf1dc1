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

    @Test("measure")
    func measure() async throws {
        let cases: [(KafkaAPI, KafkaResponseCode)] = [
            (.endTxn, .unknownProducerId), (.endTxn, .invalidProducerIdMapping), (.endTxn, .invalidTxnState),
            (.endTxn, .producerFenced), (.endTxn, .invalidProducerEpoch),
            (.endTxn, .transactionalIdAuthorizationFailed),
            (.endTxn, .concurrentTransactions), (.endTxn, .notCoordinator), (.endTxn, .requestTimedOut),
            (.addPartitionsToTxn, .topicAuthorizationFailed), (.addPartitionsToTxn, .producerFenced),
            (.addPartitionsToTxn, .invalidTxnState), (.addPartitionsToTxn, .unknownTopicOrPartition),
            (.addPartitionsToTxn, .concurrentTransactions),
            (.initProducerId, .transactionalIdAuthorizationFailed), (.initProducerId, .coordinatorNotAvailable),
            (.initProducerId, .producerFenced), (.initProducerId, .concurrentTransactions),
            (.addOffsetsToTxn, .groupAuthorizationFailed), (.txnOffsetCommit, .groupAuthorizationFailed),
            (.txnOffsetCommit, .unknownMemberId),
        ]
        for (api, code) in cases {
            let name = "m\(api.rawValue)x\(code.rawValue)"
            let (kafka, producer) = try await setUp(name)
            let consumer = try KafkaConsumer(
                configuration: kafka.configuration(["group.id": "\(name)-g", "enable.auto.commit": "false"]))
            let metadata = try await consumer.withSession { try $0.groupMetadata() }
            var log: [String] = []
            if api == .initProducerId { kafka.pushRequestErrors(api, [code]) }
            do {
                try await producer.initTransactions(timeout: .seconds(5))
                log.append("init ok")
                kafka.pushRequestErrors(api, [code])
                try await producer.beginTransaction()
                _ = try await producer.send(ProducerRecord(topic: name, partition: 0, value: "x"))
                log.append("send ok")
                try await producer.sendOffsetsToTransaction(
                    [TopicPartitionOffset(name, 0, 1)], groupMetadata: metadata, timeout: .seconds(5))
                log.append("offsets ok")
                try await producer.commitTransaction(timeout: .seconds(5))
                log.append("commit ok")
            } catch let error as KafkaError {
                log.append("\(error.operation): \(Verdict(error))")
                if !error.isFatal {
                    do {
                        try await producer.abortTransaction(timeout: .seconds(5))
                        log.append("abort ok")
                    } catch let error as KafkaError { log.append("abort: \(Verdict(error))") }
                }
            }
            print("MEASURE \(api) \(code): \(log)")
            await consumer.close()
            await producer.close(timeout: .seconds(1))
            await kafka.stop()
        }
    }
}
