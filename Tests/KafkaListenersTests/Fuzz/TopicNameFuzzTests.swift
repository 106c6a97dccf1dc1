import KafkaClient
import KafkaListenersTesting
import Testing

extension ParserFuzzTests {
    /// Kafka's rules, written out independently of ``TopicName``.
    static func isLegalTopic(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 249
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && (("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || ".-_".unicodeScalars.contains($0))
            }
            && name != "__consumer_offsets" && name != "__transaction_state"
    }

    @Test("topic names and their dead-letter names: valid exactly when Kafka's rules say so, errors short")
    func topicNames() {
        var fuzz = FuzzInput(seed: 0x70_91C)
        let legal = Array("abcXYZ019._-")
        for _ in 0..<fuzzIterations {
            let length = fuzz.pick([0, 1, 2, 244, 245, 246, 249, 250, 251, 300, 5_000, fuzz.int(in: 0...260)])
            var name = String((0..<length).map { _ in fuzz.pick(legal) })
            if fuzz.chance(0.3) { name = fuzz.mutate(name) }
            for candidate in [name, name + ".DLT"] {
                do {
                    try TopicName.validate(candidate)
                    #expect(Self.isLegalTopic(candidate), "accepted \(candidate.debugDescription)")
                } catch let error as KafkaError {
                    #expect(!Self.isLegalTopic(candidate), "refused \(candidate.debugDescription): \(error)")
                    #expect(
                        error.kind == .invalidTopicName && error.message.count < 400,
                        "\(error.message.count) characters")
                } catch {
                    Issue.record("not a KafkaError: \(error)")
                }
            }
        }
    }
}
