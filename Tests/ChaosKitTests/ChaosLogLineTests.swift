import ChaosKit
import Testing

@Suite("Chaos log lines: round trip, torn and hostile lines", .timeLimit(.minutes(1)))
struct ChaosLogLineTests {
    @Test("every kind of line parses back to itself")
    func roundTrip() {
        let lines: [ChaosLogLine] = [
            .handled(member: "m1.chaos-0", partition: 3, offset: 17),
            .committed(member: "m2.chaos", partition: 0, offset: Int64.max),
            .commitFailed(member: "m3.chaos-1", partition: 5),
        ]
        let parsed = ChaosLogLine.parse(lines.map(\.text).joined())
        #expect(parsed.lines == lines)
        #expect(parsed.unreadable == 0)
    }

    @Test("a last line without its newline and lines that do not parse are counted, not returned")
    func torn() {
        let parsed = ChaosLogLine.parse("H m1 0 1\nH m1 0 x\nX m1 0 1\nH m1 -1 2\nH m1 0 3\nH m1 0")
        #expect(
            parsed.lines == [
                .handled(member: "m1", partition: 0, offset: 1), .handled(member: "m1", partition: 0, offset: 3),
            ])
        #expect(parsed.unreadable == 4)
    }

    @Test("10,000 mutated lines never trap")
    func fuzz() {
        var random = ChaosRandom(seed: 0xC4A05)
        let seeds = ["H m1.chaos-0 3 17", "C m2 0 9223372036854775807", "F m3 5"]
        let alphabet = Array("HCF m.-0123456789 \n\u{0}é99999999999999999999")
        for _ in 0..<10_000 {
            var characters = Array(seeds[Int(random.next() % 3)])
            for _ in 0..<Int(random.next() % 4) + 1 {
                let position = Int(random.next() % UInt64(characters.count + 1))
                switch random.next() % 3 {
                case 0: characters.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                case 1 where position < characters.count: characters.remove(at: position)
                default:
                    if position < characters.count {
                        characters[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    }
                }
            }
            let text = String(characters)
            let parsed = ChaosLogLine.parse(text + "\n")
            for line in parsed.lines { #expect(ChaosLogLine.parse(line.text).lines == [line]) }
        }
    }
}
