import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin providing `@KafkaListener` and `@KafkaListeners`.
@main
struct KafkaListenersMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [KafkaListenerMacro.self, KafkaListenersMacro.self]
}
