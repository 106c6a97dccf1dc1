import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Dead-letter headers in Spring's encoding (no broker)", .timeLimit(.minutes(1)))
struct DeadLetterHeaderTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    /// A dead letter as Spring-Kafka's DeadLetterPublishingRecoverer writes it for orders-3@1234567890123, timestamp
    /// 1700000000000 (CreateTime), group "billing": Java's ByteBuffer putInt / putLong are big-endian.
    static let springHeaders: [RecordHeader] = [
        RecordHeader(key: "kafka_dlt-original-topic", value: Array("orders".utf8)),
        RecordHeader(key: "kafka_dlt-original-partition", value: [0x00, 0x00, 0x00, 0x03]),
        RecordHeader(key: "kafka_dlt-original-offset", value: [0x00, 0x00, 0x01, 0x1F, 0x71, 0xFB, 0x04, 0xCB]),
        RecordHeader(key: "kafka_dlt-original-timestamp", value: [0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00]),
        RecordHeader(key: "kafka_dlt-original-timestamp-type", value: Array("CreateTime".utf8)),
        RecordHeader(key: "kafka_dlt-original-consumer-group", value: Array("billing".utf8)),
        RecordHeader(key: "kafka_dlt-exception-fqcn", value: Array("java.lang.IllegalStateException".utf8)),
        RecordHeader(key: "kafka_dlt-exception-message", value: Array("no stock".utf8)),
        RecordHeader(
            key: "kafka_dlt-exception-stacktrace",
            value: Array("java.lang.IllegalStateException: no stock\n\tat …".utf8)),
    ]

    @Test("headers written as Spring writes them are read back")
    func readsSpring() {
        let info = DeadLetterInfo(headers: Self.springHeaders)
        #expect(info.originalTopic == "orders")
        #expect(info.originalPartition == 3)
        #expect(info.originalOffset == 1_234_567_890_123)
        #expect(info.originalTimestamp == 1_700_000_000_000)
        #expect(info.originalTimestampType == "CreateTime")
        #expect(info.originalConsumerGroup == "billing")
        #expect(info.exceptionType == "java.lang.IllegalStateException")
        #expect(info.exceptionMessage == "no stock")
        #expect(info.attempts == nil, "Spring writes no attempts header")
    }

    @Test("ours are byte for byte what Spring writes for the same record, plus the Swift error and attempts")
    func writesSpring() {
        let record = ConsumerRecord(
            topic: "orders", partition: 3, offset: 1_234_567_890_123,
            timestamp: RecordTimestamp(kind: .createTime, milliseconds: 1_700_000_000_000), key: nil, value: nil)
        let ours = DeadLetterHeaders.headers(for: record, error: Boom(), attempts: 4, consumerGroup: "billing")
        for expected in Self.springHeaders where !expected.key.hasPrefix("kafka_dlt-exception") {
            #expect(ours.first { $0.key == expected.key }?.value == expected.value, "\(expected.key)")
        }
        #expect(ours.first { $0.key == DeadLetterHeaders.attempts }?.value == [0, 0, 0, 4])
        let info = DeadLetterInfo(headers: ours)
        #expect(info.exceptionType?.hasSuffix("Boom") == true)
        #expect(info.exceptionMessage == "boom")
        #expect(info.attempts == 4)
    }

    @Test("decimal text (as other tools write) is read too; the last header of a name counts")
    func readsText() {
        let info = DeadLetterInfo(headers: [
            RecordHeader(key: DeadLetterHeaders.originalPartition, value: Array("7".utf8)),
            RecordHeader(key: DeadLetterHeaders.originalOffset, value: Array("42".utf8)),
            RecordHeader(key: DeadLetterHeaders.originalOffset, value: Array("43".utf8)),
            RecordHeader(key: DeadLetterHeaders.attempts, value: Array("3".utf8)),
        ])
        #expect(info.originalPartition == 7)
        #expect(info.originalOffset == 43)
        #expect(info.attempts == 3)
    }

    @Test(
        "seeded fuzzing: 20,000 hostile header sets never trap; unreadable integers are nil",
        arguments: [1, 2] as [UInt64])
    func fuzz(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let names = [
            DeadLetterHeaders.originalPartition, DeadLetterHeaders.originalOffset, DeadLetterHeaders.originalTimestamp,
            DeadLetterHeaders.attempts, DeadLetterHeaders.originalTopic, DeadLetterHeaders.exceptionMessage,
        ]
        let texts = [
            "", "-", "+1", "9223372036854775808", "-9223372036854775809", "2147483648", "1e3", "0x10", " 1", "١٢",
            "NaN",
        ]
        for _ in 0..<10_000 {
            var headers: [RecordHeader] = []
            for _ in 0..<Int(random.next() % 6) {
                let name = names[Int(random.next() % UInt64(names.count))]
                let value: [UInt8]?
                switch random.next() % 4 {
                case 0: value = nil
                case 1: value = Array(texts[Int(random.next() % UInt64(texts.count))].utf8)
                default: value = (0..<Int(random.next() % 24)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                }
                headers.append(RecordHeader(key: name, value: value))
            }
            let info = DeadLetterInfo(headers: headers)
            if let partition = headers.last(where: { $0.key == DeadLetterHeaders.originalPartition })?.value {
                if partition.count != 4 && Int32(String(decoding: partition, as: UTF8.self)) == nil {
                    #expect(
                        info.originalPartition == nil,
                        "seed \(seed): \(partition) read as \(String(describing: info.originalPartition))")
                }
            }
        }
    }
}
