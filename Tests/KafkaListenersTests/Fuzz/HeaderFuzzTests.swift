import KafkaListenersTesting
import Testing

@testable import KafkaClient

extension ParserFuzzTests {
    /// A v2 header block: zig-zag varint count, then per header key length, key, value length (-1: none), value.
    static func headerBlock(_ headers: [RecordHeader]) -> [UInt8] {
        func varint(_ value: Int) -> [UInt8] {
            var raw = UInt32(bitPattern: (Int32(value) << 1) ^ (Int32(value) >> 31))
            var bytes: [UInt8] = []
            while raw >= 0x80 {
                bytes.append(UInt8(raw & 0x7f) | 0x80)
                raw >>= 7
            }
            return bytes + [UInt8(raw)]
        }
        var block = varint(headers.count)
        for header in headers {
            block += varint(header.key.utf8.count) + Array(header.key.utf8)
            if let value = header.value { block += varint(value.count) + value } else { block += varint(-1) }
        }
        return block
    }

    @Test("record header blocks: valid ones round-trip, mutated and random ones parse within bounds or are refused")
    func headerBlocks() {
        var fuzz = FuzzInput(seed: 0x4EAD_E45)
        for iteration in 0..<fuzzIterations {
            let headers = (0..<fuzz.int(in: 0...6)).map { _ in
                RecordHeader(
                    key: fuzz.text(maxLength: 12, alphabet: Array("abcxyz-_.é字traceparent")),
                    value: fuzz.chance(0.2) ? nil : fuzz.bytes(count: fuzz.int(in: 0...40)))
            }
            let valid = Self.headerBlock(headers)
            if iteration % 4 == 0 {
                let parsed = valid.withUnsafeBufferPointer { LibrdkafkaQuirks.WireHeaders.parse($0) }
                #expect(parsed == headers)
                #expect(
                    RecordHeadersExtractor().extract(key: "traceparent", from: headers)
                        == headers.lastString(for: "traceparent"))
                continue
            }
            var block = iteration % 4 == 1 ? fuzz.bytes(count: fuzz.int(in: 0...64)) : fuzz.mutate(bytes: valid)
            if iteration % 16 == 2 { block = [0xfe, 0xff, 0xff, 0xff, 0x0f] + block }  // a count of Int32.max
            let parsed = block.withUnsafeBufferPointer { LibrdkafkaQuirks.WireHeaders.parse($0) }
            if let parsed {
                // Each header takes at least two length bytes; values are copied, never longer than the block.
                let claimed = parsed.reduce(0) { $0 + 2 + ($1.value?.count ?? 0) }
                #expect(claimed <= block.count, "headers larger than the block they came from")
            }
        }
    }
}
