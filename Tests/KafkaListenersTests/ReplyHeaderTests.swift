import KafkaClient
import Logging
import Testing

@testable import KafkaListeners

@Suite("Request/reply: reply headers, reply records and pending requests, without a broker", .timeLimit(.minutes(1)))
struct ReplyHeaderTests {
    func header(_ key: String, _ value: [UInt8]?) -> RecordHeader { RecordHeader(key: key, value: value) }

    @Test("Spring's headers parse: topic, 4-byte big-endian partition, correlation id; the last of a name wins")
    func parsesSpringHeaders() throws {
        let address = try ReplyAddress(parsing: [
            header(ReplyHeaders.replyTopic, Array("first".utf8)),
            header(ReplyHeaders.replyTopic, Array("replies".utf8)),
            header(ReplyHeaders.replyPartition, [0, 0, 1, 2]),
            header(ReplyHeaders.correlationId, Array(0..<16)),
        ])
        #expect(address == ReplyAddress(topic: "replies", partition: 258, correlationId: Array(0..<16)))
        #expect(try ReplyAddress(parsing: []) == ReplyAddress())
        #expect(ReplyHeaders.encodePartition(258) == [0, 0, 1, 2])
    }

    @Test("a reply partition of the wrong length, absent bytes or a negative number is refused, naming the header")
    func refusesBadPartitions() {
        for bytes: [UInt8]? in [[], [1], [0, 0, 1], [0, 0, 0, 0, 1], Array(repeating: 0, count: 4_096), nil] {
            #expect(throws: ReplyHeaderError.invalidReplyPartition(length: bytes?.count ?? 0, value: nil)) {
                try ReplyAddress(parsing: [self.header(ReplyHeaders.replyPartition, bytes)])
            }
        }
        #expect(throws: ReplyHeaderError.invalidReplyPartition(length: 4, value: -1)) {
            try ReplyAddress(parsing: [self.header(ReplyHeaders.replyPartition, [0xff, 0xff, 0xff, 0xff])])
        }
        let error = ReplyHeaderError.invalidReplyPartition(length: 3, value: nil)
        #expect(error.description.contains("kafka_replyPartition") && error.description.contains("3 bytes"))
    }

    @Test("an illegal or non-UTF-8 reply topic is refused with an excerpt of it; a huge correlation id is refused")
    func refusesBadTopicsAndIds() throws {
        let long = String(repeating: "t", count: 5_000)
        for bytes: [UInt8]? in [Array("bad topic".utf8), Array(long.utf8), [0xff, 0xfe], [], nil, Array("..".utf8)] {
            do throws(ReplyHeaderError) {
                _ = try ReplyAddress(parsing: [header(ReplyHeaders.replyTopic, bytes)])
                Issue.record("accepted \(String(describing: bytes))")
            } catch {
                guard case .invalidReplyTopic(let excerpt, _) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(excerpt.count < 100, "the error repeats an excerpt, not the input")
                #expect(error.description.contains("kafka_replyTopic"))
            }
        }
        let limit = ReplyHeaders.maximumCorrelationIdLength
        #expect(throws: ReplyHeaderError.correlationIdTooLong(length: 1 << 20)) {
            try ReplyAddress(parsing: [self.header(ReplyHeaders.correlationId, Array(repeating: 7, count: 1 << 20))])
        }
        let atLimit = try ReplyAddress(parsing: [header(ReplyHeaders.correlationId, Array(repeating: 7, count: limit))])
        #expect(atLimit.correlationId?.count == limit)
    }

    @Test("the reply record: the request's reply topic before the default, its partition, correlation id and key")
    func replyRecord() async throws {
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let request = ConsumerRecord(
            topic: "requests", partition: 2, offset: 9, key: Array("k".utf8), value: Array("q".utf8),
            headers: [
                header(ReplyHeaders.replyTopic, Array("asked".utf8)),
                header(ReplyHeaders.replyPartition, [0, 0, 0, 1]),
                header(ReplyHeaders.correlationId, [1, 2, 3]), header("other", [9]),
            ])
        let sender = try ReplySender(producer: producer, defaultTopic: "fallback")
        let reply = try sender.replyRecord(
            to: request, address: ReplyAddress(parsing: request.headers), value: Array("a".utf8))
        #expect(reply.topic == "asked" && reply.partition == 1 && reply.key == Array("k".utf8))
        #expect(reply.headers == [RecordHeader(key: ReplyHeaders.correlationId, value: [1, 2, 3])])
        let plain = ConsumerRecord(topic: "requests", partition: 0, offset: 0, value: Array("q".utf8))
        let toDefault = try sender.replyRecord(to: plain, address: ReplyAddress(), value: nil)
        #expect(toDefault.topic == "fallback" && toDefault.partition == nil && toDefault.headers.isEmpty)
        let noDefault = ReplySender(producer: producer)
        #expect(throws: ReplyHeaderError.noReplyTopic) {
            try noDefault.replyRecord(to: plain, address: ReplyAddress(), value: nil)
        }
        #expect(throws: KafkaError.self) { try ReplySender(producer: producer, defaultTopic: "no good") }
        await producer.close(timeout: .seconds(1))
    }

    @Test("pending requests: a reply before the wait is kept, an unknown id is refused, close fails the waiting ones")
    func pendingReplies() async throws {
        let pending = PendingReplies()
        let reply = ConsumerRecord(topic: "replies", partition: 0, offset: 1, value: nil)
        try pending.register([1])
        #expect(pending.finish([1], with: .success(reply)))
        #expect(!pending.finish([1], with: .success(reply)), "a second reply to the same request is not taken")
        #expect(try await pending.wait([1]) == reply)
        #expect(pending.count == 0)
        #expect(!pending.finish([2], with: .success(reply)))

        try pending.register([3])
        let waiting = Task { try await pending.wait([3]) }
        pending.close(failing: ReplyingProducerError.closed)
        await #expect(throws: ReplyingProducerError.closed) { try await waiting.value }
        #expect(throws: ReplyingProducerError.closed) { try pending.register([4]) }
        #expect(pending.count == 0)
    }

    @Test("correlation ids are 16 bytes and differ")
    func correlationIds() {
        let ids = Set((0..<1_000).map { _ in ReplyingProducer.correlationId() })
        #expect(ids.count == 1_000 && ids.allSatisfy { $0.count == 16 })
    }
}
