import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("TOPIC:N partitions typed by a person (no broker)", .timeLimit(.minutes(3)))
struct PartitionTextTests {
    @Test("valid forms parse; bad ones are refused naming the input")
    func examples() throws {
        #expect(try PartitionText.parse("orders:0") == TopicPartition("orders", 0))
        #expect(try PartitionText.parse("a.b_c-d:2147483647") == TopicPartition("a.b_c-d", 2_147_483_647))
        for bad in [
            "orders", "orders:", ":0", "orders:-1", "orders:2147483648", "orders:1e3", "orders:+1", "orders: 1",
            "bad topic:0", "orders:٣",
        ] {
            #expect(throws: PartitionText.ParseError.self, "\(bad)") { try PartitionText.parse(bad) }
        }
        let long = String(repeating: "x", count: 10_000) + ":0"
        #expect(throws: PartitionText.ParseError.self) { try PartitionText.parse(long) }
        do { _ = try PartitionText.parse(long) } catch {
            #expect("\(error)".count < 400, "the error quotes a short excerpt")
        }
    }

    @Test(
        "seeded fuzzing: 20,000 generated and mutated inputs never trap; accepted ones round-trip",
        arguments: [21, 22] as [UInt64])
    func fuzz(seed: UInt64) {
        var input = FuzzInput(seed: seed)
        let seeds = ["orders:0", "a:1", "topic.with.dots:12", "x:2147483647"]
        for _ in 0..<10_000 {
            let text = input.chance(0.5) ? input.mutate(input.pick(seeds)) : input.text(maxLength: 40)
            if let tp = try? PartitionText.parse(text) {
                #expect(tp.partition >= 0, "seed \(seed): '\(text)' → \(tp)")
                #expect(
                    (try? PartitionText.parse("\(tp.topic):\(tp.partition)")) == tp,
                    "seed \(seed): '\(text)' does not round-trip")
            }
        }
    }
}
