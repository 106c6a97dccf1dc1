import Crdkafka
import KafkaListenersTesting
import Testing

@testable import KafkaClient

@Suite("Reading record headers in place instead of through rd_kafka_message_headers", .timeLimit(.minutes(10)))
struct WireHeadersTests {
    /// The header sets sent, one record each; a `nil` value is a tombstone.
    static let cases: [(headers: [RecordHeader], value: [UInt8]?)] = [
        ([], Array("no headers".utf8)),
        ([RecordHeader(key: "one", string: "1")], Array("one header".utf8)),
        ([RecordHeader(key: "empty", value: []), RecordHeader(key: "none", value: nil)], []),
        ((0..<40).map { RecordHeader(key: "h\($0)", string: String(repeating: "v", count: $0)) }, Array("many".utf8)),
        (
            [RecordHeader(key: String(repeating: "k", count: 300), value: Array(repeating: 7, count: 1000))],
            Array("long".utf8)
        ),
        (
            [
                RecordHeader(key: "ключ", string: "значение"), RecordHeader(key: "same", string: "a"),
                RecordHeader(key: "same", string: "b"),
            ], Array("utf8".utf8)
        ),
        ([RecordHeader(key: "tombstone", string: "t")], nil),
        ([], nil),
    ]

    @Test(
        "every consumed record's headers match librdkafka's own parse, and on librdkafka 2.0.2 are read in place",
        arguments: ["none", "lz4"])
    func matchesLibrdkafka(compression: String) async throws {
        let topic = try TestCluster.topic("wire-headers", partitions: 1)
        // One batch of all the records (compressible as a whole; librdkafka sends a batch uncompressed when
        // compressing would not shrink it). Compressed batches are read from librdkafka's decompressed copy,
        // where the headers still follow the value.
        let producer = try KafkaProducer(
            configuration: TestCluster.producerConfig(["compression.codec": compression, "linger.ms": "200"]))
        for (index, sent) in Self.cases.enumerated() {
            try await producer.sendAndForget(
                ProducerRecord(
                    topic: topic, partition: 0, key: Array("k\(index)".utf8), value: sent.value, headers: sent.headers))
        }
        try await producer.flush()
        await producer.close()

        let seen = try Self.consumeRaw(topic: topic, count: Self.cases.count)
        try #require(seen.count == Self.cases.count, "records read: \(seen.count)")
        for (offset, record) in seen.enumerated() {
            let sent = Self.cases[offset]
            #expect(record.library == sent.headers, "offset \(offset): librdkafka read \(record.library)")
            #expect(
                record.inPlace == nil || record.inPlace! == sent.headers,
                "offset \(offset): read in place \(record.inPlace!)")
            if LibrdkafkaQuirks.WireHeaders.layoutKnown {
                // A tombstone or an empty value gives no value pointer to find the headers behind: public API.
                let hasValueBytes = !(sent.value ?? []).isEmpty
                #expect(
                    (record.inPlace != nil) == hasValueBytes, "offset \(offset): in place? \(record.inPlace != nil)")
            } else {
                #expect(record.inPlace == nil, "another librdkafka than 2.0.2 always takes the public API")
            }
        }
    }

    @Test("a malformed header block is refused, so the public API decides")
    func malformedBlocks() {
        func parse(_ bytes: [UInt8]) -> [RecordHeader]? {
            bytes.withUnsafeBufferPointer { LibrdkafkaQuirks.WireHeaders.parse($0) }
        }
        // count 1, key "ab", value "xyz": the well-formed block the others break.
        #expect(parse([2, 4, 0x61, 0x62, 6, 0x78, 0x79, 0x7a]) == [RecordHeader(key: "ab", string: "xyz")])
        #expect(parse([2, 4, 0x61, 0x62, 1]) == [RecordHeader(key: "ab", value: nil)], "value length -1 is no value")
        #expect(parse([2, 4, 0x61]) == nil, "key runs past the block")
        #expect(parse([2, 4, 0x61, 0x62, 6, 0x78]) == nil, "value runs past the block")
        #expect(parse([2, 4, 0x61, 0x62]) == nil, "value length missing")
        #expect(parse([4, 4, 0x61, 0x62, 1]) == nil, "count says two headers, the block holds one")
        #expect(parse([1]) == nil, "negative count")
        #expect(parse([2, 3]) == nil, "negative key length")
        #expect(parse([2, 4, 0x61, 0x62, 3]) == nil, "value length below -1")
        #expect(parse([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]) == nil, "a varint longer than five bytes")
        #expect(parse([0x80]) == nil, "a varint cut off")
    }

    /// Consumes `count` records of partition 0 with a plain librdkafka handle and, for each, reads the
    /// headers in place first (librdkafka's parse caches its result in the message) and then through the API.
    static func consumeRaw(topic: String, count: Int) throws -> [(inPlace: [RecordHeader]?, library: [RecordHeader])] {
        let conf = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in [
            ("bootstrap.servers", TestCluster.bootstrapServers), ("group.id", TestCluster.unique("wire")),
        ] {
            try #require(rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK)
        }
        let rk = try #require(rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count))
        defer {
            _ = rd_kafka_consumer_close(rk)
            rd_kafka_destroy(rk)
        }
        rd_kafka_poll_set_consumer(rk)
        let list = rd_kafka_topic_partition_list_new(1)
        rd_kafka_topic_partition_list_add(list, topic, 0).pointee.offset = 0
        let assigned = rd_kafka_assign(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        try #require(assigned == RD_KAFKA_RESP_ERR_NO_ERROR)

        var seen: [(inPlace: [RecordHeader]?, library: [RecordHeader])] = []
        var errors: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while seen.count < count, clock.now < deadline {
            guard let message = rd_kafka_consumer_poll(rk, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                errors.append(String(cString: rd_kafka_err2str(message.pointee.err)))
                continue
            }
            var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(message, &type)
            let inPlace =
                LibrdkafkaQuirks.WireHeaders.layoutKnown
                ? LibrdkafkaQuirks.WireHeaders.read(message, timestamp: timestamp) : nil
            seen.append((inPlace, MessageConversion.libraryHeaders(of: message)))
        }
        if seen.count < count { Issue.record("after 30 s: \(seen.count) of \(count) records, errors: \(errors)") }
        return seen
    }
}
