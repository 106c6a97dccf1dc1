@testable import KafkaClient
import Testing

@Suite("The seek timeout librdkafka gets (no broker)", .timeLimit(.minutes(3)))
struct SeekTimeoutTests {
    @Test("before 2.0.3 the value is scaled up a thousand times, as librdkafka waited a thousand times shorter; from 2.0.3 on it is as asked")
    func scaledForOldVersions() {
        let v202: Int32 = 0x0200_02ff, v203: Int32 = 0x0200_03ff, v210: Int32 = 0x0201_00ff
        #expect(ConsumerCore.seekTimeoutArgument(.seconds(10), librdkafkaVersion: v202) == 10_000_000)
        #expect(ConsumerCore.seekTimeoutArgument(.milliseconds(1), librdkafkaVersion: v202) == 1_000)
        #expect(ConsumerCore.seekTimeoutArgument(.seconds(10), librdkafkaVersion: v203) == 10_000)
        #expect(ConsumerCore.seekTimeoutArgument(.seconds(10), librdkafkaVersion: v210) == 10_000)
        #expect(ConsumerCore.seekTimeoutArgument(.seconds(86_400), librdkafkaVersion: v202) == .max, "clamped, never trapping")
        #expect(ConsumerCore.seekTimeoutArgument(.zero, librdkafkaVersion: v202) == 0, "0 keeps meaning: do not wait")
    }
}
