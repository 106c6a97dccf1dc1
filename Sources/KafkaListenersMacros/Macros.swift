@_exported import KafkaListeners

/// Marks a method as a listener (Spring-Kafka's `@KafkaListener`) inside a type marked ``KafkaListeners()``.
///
/// The arguments are those of `EndpointDescription` (`id`, `topics`, `groupId`, `concurrency`, `ackMode`,
/// `autoStartup`); the method's first parameter chooses the form: a `KafkaPayload` value, `TypedRecord<K, V>`,
/// `ConsumerRecord`, or an array of one of these for a batch listener. The second is the `ListenerContext`.
/// A missing `id`, missing topics or a wrong signature is a compile-time error.
@attached(peer)
public macro KafkaListener(
    id: String? = nil, topics: String..., groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
    autoStartup: Bool? = nil
) = #externalMacro(module: "KafkaListenersMacrosPlugin", type: "KafkaListenerMacro")

/// Marks a method as a listener of every topic matching `pattern` (see ``KafkaListener(id:topics:groupId:concurrency:ackMode:autoStartup:)``).
@attached(peer)
public macro KafkaListener(
    id: String? = nil, pattern: String, groupId: String? = nil, concurrency: Int? = nil, ackMode: AckMode? = nil,
    autoStartup: Bool? = nil
) = #externalMacro(module: "KafkaListenersMacrosPlugin", type: "KafkaListenerMacro")

/// Makes a type a `ListenerDeclaration` whose listeners are its ``KafkaListener(id:topics:groupId:concurrency:ackMode:autoStartup:)``
/// methods: use an instance in a `KafkaApplication` block like any other declaration. The type must be `Sendable`.
@attached(member, names: named(declaredListeners))
@attached(extension, conformances: ListenerDeclaration)
public macro KafkaListeners() = #externalMacro(module: "KafkaListenersMacrosPlugin", type: "KafkaListenersMacro")
