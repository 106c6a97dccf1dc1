/// Parses a partition typed as `TOPIC:N` (the last colon separates: topic names have none), as the CLI's
/// `--partition` takes it.
public enum PartitionText {
    /// Why a text is not a partition; the description names the input, cut short.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The input, cut to ``InputExcerpt/limit`` characters.
        public var input: String
        /// What is wrong with it.
        public var reason: String

        public var description: String { "'\(input)' is not a partition: \(reason)" }
    }

    /// The topic and partition `text` names.
    ///
    /// - Throws: ``ParseError`` for a missing colon, a topic name Kafka would refuse, or a partition number that is not
    ///   a whole number from 0 to 2,147,483,647.
    public static func parse(_ text: String) throws(ParseError) -> TopicPartition {
        func fail(_ reason: String) -> ParseError { ParseError(input: InputExcerpt.of(text), reason: reason) }
        guard let colon = text.lastIndex(of: ":") else { throw fail("use TOPIC:N, such as orders:0") }
        guard let partition = number(text[text.index(after: colon)...]) else {
            throw fail("the partition must be a whole number from 0 to \(Int32.max)")
        }
        let topic = String(text[..<colon])
        do {
            try TopicName.validate(topic)
        } catch {
            throw fail("\(error)")
        }
        return TopicPartition(topic, partition)
    }

    /// A partition number as typed: decimal digits only (no sign, no spaces), 0…2,147,483,647; `nil` otherwise.
    public static func number(_ text: Substring) -> Int32? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int32(text)
    }
}
