import SwiftDiagnostics

/// The compile-time errors of `@KafkaListener` and `@KafkaListeners`.
enum ListenerDiagnostic: DiagnosticMessage {
    case notAMethod
    case missingId(String)
    case missingTopics
    case staticMethod
    case wrongSignature(String)
    case returnsValue(String)
    case notAType
    case noListeners(String)

    var message: String {
        switch self {
        case .notAMethod: "@KafkaListener applies to methods only"
        case .missingId(let name):
            "@KafkaListener on '\(name)' needs an id: a unique listener id, as in @KafkaListener(id: \"orders\", topics: \"orders\")"
        case .missingTopics: "@KafkaListener needs what to consume: topics: \"a\", \"b\" or pattern: \"orders-.*\""
        case .staticMethod: "@KafkaListener methods must be instance methods (the listener calls them on the instance)"
        case .wrongSignature(let name):
            "'\(name)' has the wrong signature for @KafkaListener: expected func \(name)(_ payload: P, context: ListenerContext) async throws, "
                + "where P is a KafkaPayload value, TypedRecord<Key, Value> or ConsumerRecord — or an array of one of these for a batch listener"
        case .returnsValue(let name): "'\(name)' must not return a value: a @KafkaListener method returns Void"
        case .notAType: "@KafkaListeners applies to a struct, class, actor or enum"
        case .noListeners(let name): "'\(name)' is marked @KafkaListeners but has no @KafkaListener methods"
        }
    }

    var diagnosticID: MessageID {
        let id: String
        switch self {
        case .notAMethod: id = "notAMethod"
        case .missingId: id = "missingId"
        case .missingTopics: id = "missingTopics"
        case .staticMethod: id = "staticMethod"
        case .wrongSignature: id = "wrongSignature"
        case .returnsValue: id = "returnsValue"
        case .notAType: id = "notAType"
        case .noListeners: id = "noListeners"
        }
        return MessageID(domain: "KafkaListenersMacros", id: id)
    }

    var severity: DiagnosticSeverity { .error }
}
