import KafkaClient
import KafkaListenersTesting
import Testing

@testable import KafkaListeners

extension ParserFuzzTests {
    static let replyHeaderNames = [
        ReplyHeaders.replyTopic, ReplyHeaders.replyPartition, ReplyHeaders.correlationId, "kafka_replytopic", "other",
    ]
    static let replyTopicSeeds = [
        "replies", "a", "a.b_c-d", String(repeating: "r", count: 249), String(repeating: "r", count: 250), ".", "..",
        "bad topic", "é", "", "replies\u{0}", "x/y",
    ]

    /// The value a request's reply-header list carries for `name`: the last header's, as the parser reads it.
    static func last(_ name: String, in headers: [RecordHeader]) -> [UInt8]?? {
        headers.last { $0.key == name }.map { .some($0.value) } ?? .none
    }

    @Test(
        "reply headers: random and mutated header lists give a usable address or a ReplyHeaderError naming the header, never a trap"
    )
    func replyHeaders() {
        var fuzz = FuzzInput(seed: 0x5E_4D70)
        var accepted = 0
        for _ in 0..<fuzzIterations {
            var headers: [RecordHeader] = []
            for _ in 0..<fuzz.int(in: 0...5) {
                let name = fuzz.pick(Self.replyHeaderNames)
                let value: [UInt8]?
                switch fuzz.int(in: 0...5) {
                case 0: value = nil
                case 1: value = Array(fuzz.mutate(fuzz.pick(Self.replyTopicSeeds)).utf8)
                case 2: value = fuzz.mutate(bytes: ReplyHeaders.encodePartition(Int32(fuzz.int(in: 0...100))))
                case 3:
                    value = ReplyHeaders.encodePartition(
                        Int32(truncatingIfNeeded: fuzz.int(in: Int(Int32.min)...Int(Int32.max))))
                case 4: value = fuzz.bytes(count: fuzz.chance(0.1) ? fuzz.int(in: 200...5_000) : fuzz.int(in: 0...20))
                default: value = Array(fuzz.pick(Self.replyTopicSeeds).utf8)
                }
                headers.append(RecordHeader(key: name, value: value))
            }
            do throws(ReplyHeaderError) {
                let address = try ReplyAddress(parsing: headers)
                accepted += 1
                if let topic = address.topic {
                    #expect((try? TopicName.validate(topic)) != nil, "accepted topic \(topic.debugDescription)")
                    #expect(Self.last(ReplyHeaders.replyTopic, in: headers) == .some(Array(topic.utf8)))
                } else {
                    #expect(Self.last(ReplyHeaders.replyTopic, in: headers) == nil)
                }
                if let partition = address.partition {
                    #expect(partition >= 0)
                    #expect(
                        Self.last(ReplyHeaders.replyPartition, in: headers)
                            == .some(ReplyHeaders.encodePartition(partition)))
                } else {
                    #expect(Self.last(ReplyHeaders.replyPartition, in: headers) == nil)
                }
                if let id = address.correlationId {
                    #expect(id.count <= ReplyHeaders.maximumCorrelationIdLength)
                    #expect(Self.last(ReplyHeaders.correlationId, in: headers).map { $0 ?? [] } == id)
                }
            } catch {
                let description = error.description
                #expect(
                    description.utf8.count < 600, "an error repeats at most an excerpt of the input: \(description)")
                switch error {
                case .invalidReplyPartition(let length, let value):
                    let raw = Self.last(ReplyHeaders.replyPartition, in: headers)
                    #expect(raw != nil)
                    #expect(value == nil ? length != 4 : value.map { $0 < 0 } == true, "\(description)")
                case .invalidReplyTopic: #expect(description.contains(ReplyHeaders.replyTopic))
                case .correlationIdTooLong(let length): #expect(length > ReplyHeaders.maximumCorrelationIdLength)
                case .noReplyTopic: Issue.record("parsing never asks for a default topic")
                }
            }
        }
        #expect(
            accepted > fuzzIterations / 20, "only \(accepted) header lists were accepted: the generator is too hostile")
    }
}
