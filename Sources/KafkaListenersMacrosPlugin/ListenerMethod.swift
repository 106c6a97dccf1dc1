import SwiftDiagnostics
import SwiftSyntax

/// A method annotated with `@KafkaListener`, checked and classified.
struct ListenerMethod {
    /// What the method's first parameter receives.
    enum Shape {
        case value(String)
        case typedRecord(String)
        case rawRecord
        case values(String)
        case typedRecords(String)
        case rawRecords

        var isBatch: Bool {
            switch self {
            case .value, .typedRecord, .rawRecord: false
            case .values, .typedRecords, .rawRecords: true
            }
        }
    }

    let name: String
    let payloadLabel: String?
    let contextLabel: String?
    let shape: Shape
    let isAsync: Bool
    let isThrowing: Bool
    let arguments: LabeledExprListSyntax

    /// Checks `declaration` and `attribute`; returns `nil` after diagnosing what is wrong.
    static func parse(
        _ attribute: AttributeSyntax, _ declaration: some SyntaxProtocol, in diagnose: (Diagnostic) -> Void
    ) -> ListenerMethod? {
        guard let function = declaration.as(FunctionDeclSyntax.self) else {
            diagnose(Diagnostic(node: attribute, message: ListenerDiagnostic.notAMethod))
            return nil
        }
        var valid = true
        let arguments = attribute.arguments?.as(LabeledExprListSyntax.self) ?? []
        let labels = arguments.compactMap { $0.label?.text }
        if !labels.contains("id") {
            diagnose(Diagnostic(node: attribute, message: ListenerDiagnostic.missingId(function.name.text)))
            valid = false
        }
        if !labels.contains("topics") && !labels.contains("pattern") {
            diagnose(Diagnostic(node: attribute, message: ListenerDiagnostic.missingTopics))
            valid = false
        }
        if function.modifiers.contains(where: { $0.name.text == "static" || $0.name.text == "class" }) {
            diagnose(Diagnostic(node: function.name, message: ListenerDiagnostic.staticMethod))
            valid = false
        }
        let parameters = Array(function.signature.parameterClause.parameters)
        guard parameters.count == 2, parameters[1].type.trimmedDescription == "ListenerContext" else {
            diagnose(
                Diagnostic(node: function.signature, message: ListenerDiagnostic.wrongSignature(function.name.text)))
            return nil
        }
        if function.signature.returnClause.map({ !["Void", "()"].contains($0.type.trimmedDescription) }) ?? false {
            diagnose(Diagnostic(node: function.signature, message: ListenerDiagnostic.returnsValue(function.name.text)))
            valid = false
        }
        guard valid else { return nil }
        let effects = function.signature.effectSpecifiers
        return ListenerMethod(
            name: function.name.text, payloadLabel: label(parameters[0]), contextLabel: label(parameters[1]),
            shape: shape(of: parameters[0].type.trimmedDescription), isAsync: effects?.asyncSpecifier != nil,
            isThrowing: effects?.throwsClause != nil, arguments: arguments)
    }

    private static func label(_ parameter: FunctionParameterSyntax) -> String? {
        parameter.firstName.tokenKind == .wildcard ? nil : parameter.firstName.text
    }

    private static func shape(of type: String) -> Shape {
        let compact = type.filter { !$0.isWhitespace }
        if compact == "ConsumerRecord" { return .rawRecord }
        if compact.hasPrefix("TypedRecord<") { return .typedRecord(type) }
        if compact.hasPrefix("["), compact.hasSuffix("]"), compact != "[UInt8]", !compact.contains(":") {
            let element = String(compact.dropFirst().dropLast())
            if element == "ConsumerRecord" { return .rawRecords }
            if element.hasPrefix("TypedRecord<") { return .typedRecords(type) }
            return .values(element)
        }
        return .value(type)
    }

    /// The declaration expression registering this method on `self`.
    var declarationExpression: String {
        let call: (String) -> String = { payload in
            let args = [
                payloadLabel.map { "\($0): \(payload)" } ?? payload, contextLabel.map { "\($0): context" } ?? "context",
            ]
            return (isThrowing ? "try " : "") + (isAsync ? "await " : "")
                + "self.\(name)(\(args.joined(separator: ", ")))"
        }
        let description = "EndpointDescription(\(arguments.trimmedDescription))"
        let listener: String
        switch shape {
        case .rawRecord: listener = ".record { record, context in \(call("record")) }"
        case .typedRecord(let type):
            listener = ".typed(RecordDecoder()) { (record: \(type), context: ListenerContext) in \(call("record")) }"
        case .value(let type): listener = ".values(\(type).self) { value, context in \(call("value")) }"
        case .rawRecords: listener = ".batch { records, context in \(call("records")) }"
        case .typedRecords(let type):
            listener =
                ".typedBatch(RecordDecoder()) { (records: \(type), context: ListenerContext) in \(call("records")) }"
        case .values(let type):
            listener = ".valueBatches(\(type).self) { values, context in \(call("values")) }"
        }
        let messages: String
        switch shape {
        case .value(let type), .values(let type): messages = ", messages: [MessageDescription(\(type).self)]"
        case .typedRecord(let type): messages = ", messages: MessageDescription.describing(\(type).self)"
        case .typedRecords(let type):
            let element = type.trimmingPrefix("[").dropLast()
            messages = ", messages: MessageDescription.describing(\(element).self)"
        case .rawRecord, .rawRecords: messages = ""
        }
        return "\(shape.isBatch ? "ListenBatch" : "Listen")(\(description), listener: \(listener)\(messages))"
    }
}
