import Foundation
import KafkaClient
import KafkaListeners
import Testing

/// A JSON payload shared by the declaration tests.
struct Order: JSONPayload, Hashable {
    var id: Int
    var item: String
}

@Suite("Payloads decode and encode as Kafka's serializers do", .timeLimit(.minutes(10)))
struct PayloadTests {
    func decode<T: KafkaPayload>(_ bytes: [UInt8]?, as type: T.Type = T.self) throws -> T {
        try T.decode(bytes.map { KafkaBytes($0) }, headers: [])
    }

    @Test("integers are big-endian, exactly as wide as the type (Java's IntegerSerializer writes 1 as 00 00 00 01)")
    func integers() throws {
        #expect(try Int32(1).encode() == [0, 0, 0, 1])
        #expect(try Int64(-2).encode() == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE])
        #expect(try UInt16(0x1234).encode() == [0x12, 0x34])
        #expect(try decode([0x12, 0x34, 0x56, 0x78], as: Int32.self) == 0x1234_5678)
        #expect(try decode([0x80, 0, 0, 0], as: Int32.self) == Int32.min)
        for value: Int64 in [0, 1, -1, .max, .min, 1_234_567_890_123] {
            #expect(try decode(value.encode(), as: Int64.self) == value)
        }
        #expect(throws: PayloadError.wrongLength(type: "Int32", expected: 4, got: 3)) {
            try decode([1, 2, 3], as: Int32.self)
        }
    }

    @Test("strings are UTF-8; invalid UTF-8 and absent bytes are errors, Optional accepts absence")
    func strings() throws {
        #expect(try decode(Array("héllo".utf8), as: String.self) == "héllo")
        #expect(throws: PayloadError.invalidUTF8) { try decode([0xC3, 0x28], as: String.self) }
        #expect(throws: PayloadError.missing(type: "String")) { try decode(nil, as: String.self) }
        #expect(try decode(nil, as: String?.self) == nil)
        #expect(try decode(Array("x".utf8), as: String?.self) == "x")
    }

    @Test("bytes, Data and raw KafkaBytes pass through unchanged")
    func bytes() throws {
        let raw: [UInt8] = [0, 255, 7]
        #expect(try decode(raw, as: [UInt8].self) == raw)
        #expect(try decode(raw, as: Data.self) == Data(raw))
        #expect(try decode(raw, as: KafkaBytes.self).array == raw)
        #expect(try decode(nil, as: KafkaBytes?.self) == nil)
        #expect(try Data(raw).encode() == raw)
    }

    @Test("JSON payloads round-trip; a bad document names the type and the problem")
    func json() throws {
        let order = Order(id: 7, item: "book")
        #expect(try decode(order.encode(), as: Order.self) == order)
        let error = #expect(throws: PayloadError.self) { try decode(Array(#"{"id": 7}"#.utf8), as: Order.self) }
        #expect("\(error!)".contains("missing key 'item'"), "\(error!)")
        let custom = JSONDeserializer<Order>(decoder: {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return decoder
        })
        #expect(
            try custom.deserialize(KafkaBytes(#"{"id": 1, "item": "pen"}"#), headers: []) == Order(id: 1, item: "pen"))
    }

    @Test("a record decoder keeps the raw bytes and the position of a record that does not decode")
    func decoderError() throws {
        let bad = ConsumerRecord(topic: "t", partition: 2, offset: 41, key: Array("k".utf8), value: [0x7B, 0x00])
        #expect(throws: DeserializationError.self) { try RecordDecoder<String, Order>().decode(bad) }
        do {
            _ = try RecordDecoder<String, Order>().decode(bad)
        } catch {
            #expect(error.topic == "t" && error.partition == 2 && error.offset == 41)
            #expect(error.part == .value && error.targetType == "Order")
            #expect(error.rawKey == Array("k".utf8) && error.rawValue == [0x7B, 0x00])
        }
        let badKey = ConsumerRecord(
            topic: "t", partition: 0, offset: 1, key: [1, 2], value: try Order(id: 1, item: "x").encode())
        #expect(throws: DeserializationError.self) { try RecordDecoder<Int32, Order>().decode(badKey) }
        let good = ConsumerRecord(
            topic: "t", partition: 0, offset: 1, key: try Int32(5).encode(), value: try Order(id: 1, item: "x").encode()
        )
        let typed = try RecordDecoder<Int32, Order>().decode(good)
        #expect(typed.key == 5 && typed.value == Order(id: 1, item: "x") && typed.offset == 1)
    }

    /// Serializes with a serializer named by its static member (`.int64`, `.json(Order.self)`).
    func encoded<S: Serializer>(_ serializer: S, _ value: S.Value) throws -> [UInt8]? {
        try serializer.serialize(value)
    }

    @Test("named built-in deserializers and serializers: string, json, int32, int64, raw")
    func namedBuiltIns() throws {
        let record = ConsumerRecord(
            topic: "t", partition: 0, offset: 0, key: try encoded(.int64, 42),
            value: try encoded(.json(Order.self), Order(id: 1, item: "a")))
        let typed = try RecordDecoder(key: .int64, value: .json(Order.self)).decode(record)
        #expect(typed.key == 42 && typed.value == Order(id: 1, item: "a"))
        #expect(try encoded(.int32, 7) == [0, 0, 0, 7])
        #expect(try encoded(.string, "é") == [0xC3, 0xA9])
        let unkeyed = ConsumerRecord(topic: "t", partition: 0, offset: 1, key: nil, value: Array("v".utf8))
        let raw = try RecordDecoder(key: .raw, value: .string).decode(unkeyed)
        #expect(raw.key == nil && raw.value == "v")
        #expect(try RecordDecoder(key: .optionalString, value: .bytes).decode(unkeyed).value == Array("v".utf8))
        #expect(throws: DeserializationError.self) { try RecordDecoder(key: .string, value: .string).decode(unkeyed) }
    }

    @Test("headers have typed access: the last header of a name wins")
    func headers() throws {
        let headers = RecordHeaders([
            try .encoding("retries", Int32(1)), RecordHeader(key: "source", string: "web"),
            try .encoding("retries", Int32(3)),
        ])
        #expect(try headers.value("retries", as: Int32.self) == 3)
        #expect(try headers.value("source", as: String.self) == "web")
        #expect(try headers.value("absent", as: String.self) == nil)
        #expect(headers["source"] == Array("web".utf8))
        #expect(throws: PayloadError.self) { try headers.value("source", as: Int64.self) }
    }
}
