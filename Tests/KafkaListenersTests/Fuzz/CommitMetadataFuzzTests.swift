import KafkaListenersTesting
import Testing

@testable import KafkaListeners

extension ParserFuzzTests {
    @Test("commit metadata: encode then decode gives back the completed offsets (a prefix when truncated)")
    func commitMetadataRoundTrip() {
        var fuzz = FuzzInput(seed: 0xC0_4417)
        for _ in 0..<fuzzIterations {
            let committed =
                fuzz.chance(0.1) ? Int64(fuzz.int(in: 0...Int(Int32.max))) << 30 : Int64(fuzz.int(in: 0...1_000_000))
            var completed: [Int64] = []
            var offset = committed
            for _ in 0..<fuzz.int(in: 0...60) {
                offset += Int64(fuzz.chance(0.6) ? 1 : fuzz.int(in: 2...5_000))
                completed.append(offset)
            }
            let limit = fuzz.chance(0.3) ? fuzz.int(in: 5...80) : CompletedOffsets.limit
            let (metadata, truncated) = CompletedOffsets.encode(
                committed: committed, completed: completed, limit: limit)
            guard let metadata else {
                #expect(completed.isEmpty || truncated, "nothing encoded for \(completed.count) offsets")
                continue
            }
            #expect(metadata.utf8.count <= limit)
            let decoded = CompletedOffsets.decode(metadata, committed: committed)
            if truncated {
                #expect(decoded.map { !$0.isEmpty && completed.starts(with: $0) } == true, "\(metadata)")
            } else {
                #expect(decoded == completed, "\(metadata)")
            }
        }
    }

    @Test(
        "commit metadata written by others: malformed, overflowing or huge counts decode to bounded, ascending offsets or nil"
    )
    func commitMetadataHostile() {
        var fuzz = FuzzInput(seed: 0x4D_E7A)
        let seeds = [
            "lk1:1.49,10,1.2", "lk1:1", "lk1:.", "lk1:..", "lk1:1.", "lk1:.1", "lk1:,", "lk1:1,,2", "lk1:0.5", "lk1:-1",
            "lk1:+1",
            "lk1:9223372036854775807", "lk1:9223372036854775807.1000000", "lk1:1.1000001", "lk1:1.999,2.999",
            "lk1:" + Array(repeating: "1.9", count: 400).joined(separator: ","), "lk1", "lk2:1", "",
        ]
        let alphabet = Array("0123456789.,:lk-+ e\u{0}é")
        let committedValues: [Int64] = [0, 10, -1, -1001, .max, .max - 1, .min, 1 << 62]
        for iteration in 0..<fuzzIterations {
            let metadata =
                iteration < seeds.count
                ? seeds[iteration]
                : fuzz.chance(0.7)
                    ? fuzz.mutate(fuzz.pick(seeds), alphabet: alphabet)
                    : "lk1:" + fuzz.text(maxLength: 60, alphabet: alphabet)
            let committed = fuzz.pick(committedValues)
            guard let decoded = CompletedOffsets.decode(metadata, committed: committed) else { continue }
            #expect(decoded.count <= CompletedOffsets.decodeLimit)
            #expect(decoded.first.map { $0 > committed } ?? true, "\(metadata.prefix(80)) after \(committed)")
            #expect(
                zip(decoded, decoded.dropFirst()).allSatisfy { $0 < $1 }, "\(metadata.prefix(80)) decodes out of order")
        }
    }

    @Test("commit metadata claiming 400 million offsets decodes at most the decode limit")
    func commitMetadataHugeCounts() throws {
        let metadata = "lk1:" + Array(repeating: "1.1000000", count: 400).joined(separator: ",")
        let decoded = try #require(CompletedOffsets.decode(metadata, committed: 0))
        #expect(decoded.count == CompletedOffsets.decodeLimit)
        #expect(decoded.first == 1 && decoded.last == Int64(CompletedOffsets.decodeLimit))
        #expect(CompletedOffsets.decode("lk1:1", committed: .max) == nil, "past Int64.max")
        #expect(CompletedOffsets.decode("lk1:.", committed: 0) == nil)
    }
}
