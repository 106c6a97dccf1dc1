import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Seek positions resolve to offsets without traps", .timeLimit(.minutes(1)))
struct SeekPositionResolutionTests {
    let marks: (low: Int64, high: Int64) = (5, 20)

    @Test("logical, absolute, timestamp and relative positions")
    func positions() {
        #expect(SeekPosition.beginning.resolve(watermarks: nil, current: nil, timestampOffset: nil) == -2)
        #expect(SeekPosition.end.resolve(watermarks: nil, current: nil, timestampOffset: nil) == -1)
        #expect(SeekPosition.offset(7).resolve(watermarks: nil, current: nil, timestampOffset: nil) == 7)
        #expect(SeekPosition.offset(-3).resolve(watermarks: nil, current: nil, timestampOffset: nil) == nil)
        let time = SeekPosition.timestamp(milliseconds: 1_000)
        #expect(time.resolve(watermarks: nil, current: nil, timestampOffset: 12) == 12)
        #expect(time.resolve(watermarks: nil, current: nil, timestampOffset: -1) == -1, "none that recent: the end")
        #expect(time.resolve(watermarks: nil, current: nil, timestampOffset: nil) == nil)
        #expect(
            SeekPosition.relative(3, from: .beginning).resolve(watermarks: marks, current: nil, timestampOffset: nil)
                == 8)
        #expect(
            SeekPosition.relative(-3, from: .end).resolve(watermarks: marks, current: nil, timestampOffset: nil) == 17)
        #expect(
            SeekPosition.relative(-2, from: .current).resolve(watermarks: marks, current: 10, timestampOffset: nil) == 8
        )
        #expect(
            SeekPosition.relative(-2, from: .current).resolve(watermarks: nil, current: nil, timestampOffset: nil)
                == nil)
    }

    @Test("relative positions stay within the partition's records")
    func clamped() {
        #expect(
            SeekPosition.relative(-100, from: .end).resolve(watermarks: marks, current: nil, timestampOffset: nil) == 5)
        #expect(
            SeekPosition.relative(100, from: .beginning).resolve(watermarks: marks, current: nil, timestampOffset: nil)
                == 20)
        #expect(
            SeekPosition.relative(-100, from: .current).resolve(watermarks: nil, current: 10, timestampOffset: nil) == 0
        )
    }

    @Test("seeded hostile deltas, anchors and watermarks: never a trap, always within the records when they are known")
    func hostile() {
        var random = SplitMix64(seed: 0x5EE4)
        func next() -> UInt64 { random.next() }
        let edges: [Int64] = [.min, .max, -1, 0, 1, -1001, .min + 1, .max - 1]
        func value() -> Int64 { next() % 3 == 0 ? edges[Int(next() % UInt64(edges.count))] : Int64(bitPattern: next()) }
        let anchors: [SeekPosition.Anchor] = [.beginning, .end, .current]
        for _ in 0..<20_000 {
            let low = value()
            let high = value()
            let watermarks: (low: Int64, high: Int64)? = next() % 4 == 0 ? nil : (low, high)
            let position = SeekPosition.relative(value(), from: anchors[Int(next() % 3)])
            let resolved = position.resolve(watermarks: watermarks, current: value(), timestampOffset: value())
            if let resolved {
                #expect(resolved >= 0)
                if let (low, high) = watermarks, low >= 0, high >= low { #expect((low...high).contains(resolved)) }
            }
            _ = SeekPosition.offset(value()).resolve(watermarks: watermarks, current: nil, timestampOffset: nil)
            _ = SeekPosition.timestamp(milliseconds: value()).resolve(
                watermarks: nil, current: nil, timestampOffset: value())
        }
    }

    @Test("validation refuses negative offsets and timestamps, naming them")
    func validation() throws {
        #expect(throws: ListenerError.self) { try SeekPosition.offset(-1).validate() }
        #expect(throws: ListenerError.self) { try SeekPosition.timestamp(milliseconds: -5).validate() }
        try SeekPosition.offset(0).validate()
        try SeekPosition.relative(.min, from: .end).validate()
    }
}
