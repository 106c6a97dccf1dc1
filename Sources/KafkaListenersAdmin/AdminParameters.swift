import Foundation
import Hummingbird
import KafkaClient

/// Path parameters of the admin routes, checked before use: each bad one is a 400 with a JSON error that quotes at
/// most a short, sanitized part of the input.
enum AdminParameter {
    /// The longest listener id accepted, in UTF-8 bytes (after percent-decoding).
    static let maximumIdBytes = 1_024

    /// A listener id: percent-decoded, not blank, at most ``maximumIdBytes`` bytes, no control characters.
    static func listenerId(_ raw: String?) throws -> String {
        let id = try percentDecoded(raw ?? "", what: "listener id")
        if id.allSatisfy(\.isWhitespace) { throw HTTPError(.badRequest, message: "the listener id is blank") }
        if id.utf8.count > maximumIdBytes {
            throw HTTPError(
                .badRequest, message: "the listener id is \(id.utf8.count) bytes long, more than \(maximumIdBytes)")
        }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw HTTPError(
                .badRequest, message: "the listener id '\(InputExcerpt.of(id))' contains control characters")
        }
        return id
    }

    /// A topic name: percent-decoded and valid by Kafka's rules.
    static func topic(_ raw: String?) throws -> String {
        let topic = try percentDecoded(raw ?? "", what: "topic")
        if topic.utf8.count > TopicName.maximumLength {
            throw HTTPError(
                .badRequest,
                message: "the topic name is \(topic.utf8.count) bytes long, more than \(TopicName.maximumLength)")
        }
        do {
            try TopicName.validate(topic)
        } catch let error as KafkaError {
            throw HTTPError(.badRequest, message: error.message)
        }
        return topic
    }

    /// A partition number: decimal digits only, 0…2147483647.
    static func partition(_ raw: String?) throws -> Int32 {
        let text = raw ?? ""
        guard let value = PartitionText.number(text[...]) else {
            throw HTTPError(
                .badRequest,
                message: "the partition must be a number from 0 to \(Int32.max), got '\(InputExcerpt.of(text))'")
        }
        return value
    }

    /// `raw` with percent-escapes decoded; a 400 when an escape is malformed or decodes to bytes that are not UTF-8.
    static func percentDecoded(_ raw: String, what: String) throws -> String {
        guard raw.contains("%") else { return raw }
        guard let decoded = raw.removingPercentEncoding else {
            throw HTTPError(
                .badRequest, message: "the \(what) '\(InputExcerpt.of(raw))' is not valid percent-encoded UTF-8")
        }
        return decoded
    }
}
