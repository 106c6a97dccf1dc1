import KafkaClient

/// A listener as the application declared it: the endpoint plus what the application does around it.
public struct DeclaredListener: Sendable {
    /// The endpoint the registry runs.
    public var endpoint: ListenerEndpoint
    /// Whether the listener is paused as soon as it is registered (it joins its group and keeps its
    /// partitions, but receives nothing until resumed).
    public var pausedAtStart: Bool
    /// What the listener receives (empty: raw records), for generated documents such as AsyncAPI.
    public var messages: [MessageDescription]
    /// Non-blocking retries through retry topics (`nil`: failures are retried in place by the error handler).
    public var retryTopics: RetryTopics?

    /// Wraps an endpoint.
    public init(
        _ endpoint: ListenerEndpoint, pausedAtStart: Bool = false, messages: [MessageDescription] = [],
        retryTopics: RetryTopics? = nil
    ) {
        self.endpoint = endpoint
        self.pausedAtStart = pausedAtStart
        self.messages = messages
        self.retryTopics = retryTopics
    }
}

/// Anything that declares listeners: a builder component (``Listen``, ``ListenBatch``), a type conforming
/// to ``RecordListener``, ``BatchListener`` or ``MultiPayloadListener``, a ``ListenerGroup``, or any of
/// these with modifiers applied.
///
/// Modifiers (`.concurrency(3)`, `.ackMode(.manual)`, …) wrap a declaration in a ``ModifiedDeclaration``
/// that changes every listener it declares; a new setting needs one ``EndpointModifier`` and one method.
public protocol ListenerDeclaration: Sendable {
    /// The listeners declared, with their settings.
    ///
    /// - Throws: when a declaration cannot be built (a modifier's value is unusable).
    func declaredListeners() throws -> [DeclaredListener]

    /// The topics declared (see ``Topic``); none by default.
    func declaredTopics() -> [TopicDeclaration]
}

extension ListenerDeclaration {
    /// No topics: most declarations only declare listeners.
    public func declaredTopics() -> [TopicDeclaration] { [] }
}

/// One change to the listeners of a declaration (a setting, an interceptor, an error handler…).
///
/// Adding a modifier for a new endpoint setting takes one conformance and one method on
/// ``ListenerDeclaration``:
/// ```swift
/// extension ListenerDeclaration {
///     public func throttled(by throttle: Throttle) -> ModifiedDeclaration<Self> {
///         modifier(SettingModifier { $0.endpoint.throttle = throttle })
///     }
/// }
/// ```
public protocol EndpointModifier: Sendable {
    /// Applies the change to one declared listener.
    func apply(to listener: inout DeclaredListener) throws
}

/// A modifier from a closure.
public struct SettingModifier: EndpointModifier {
    private let body: @Sendable (inout DeclaredListener) throws -> Void

    /// Creates a modifier that runs `body` on every declared listener.
    public init(_ body: @escaping @Sendable (inout DeclaredListener) throws -> Void) { self.body = body }

    /// Runs the closure on `listener`.
    public func apply(to listener: inout DeclaredListener) throws { try body(&listener) }
}

/// A declaration with a modifier applied to each listener it declares.
public struct ModifiedDeclaration<Base: ListenerDeclaration>: ListenerDeclaration {
    /// The declaration modified.
    public let base: Base
    /// The modifier.
    public let modifier: any EndpointModifier

    /// The base's listeners, each changed by the modifier.
    public func declaredListeners() throws -> [DeclaredListener] {
        try base.declaredListeners().map { declared in
            var declared = declared
            try modifier.apply(to: &declared)
            return declared
        }
    }

    /// The base's topics (modifiers change listeners only).
    public func declaredTopics() -> [TopicDeclaration] { base.declaredTopics() }
}

extension ListenerDeclaration {
    /// This declaration with `modifier` applied to each of its listeners.
    public func modifier(_ modifier: some EndpointModifier) -> ModifiedDeclaration<Self> {
        ModifiedDeclaration(base: self, modifier: modifier)
    }
}
