import KafkaClient

/// Declares a topic the application needs, in the builder block beside its listeners (see
/// ``TopicDeclaration``): ``KafkaApplication`` creates it at start if it is missing.
public struct Topic: ListenerDeclaration {
    /// The declared topic.
    public let declaration: TopicDeclaration

    /// Declares a topic; `replicationFactor` `nil` uses the broker's default.
    public init(_ name: String, partitions: Int32 = 1, replicationFactor: Int32? = nil, configs: [String: String] = [:])
    {
        declaration = TopicDeclaration(
            name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)
    }

    /// A topic declares no listener.
    public func declaredListeners() throws -> [DeclaredListener] { [] }

    /// This topic.
    public func declaredTopics() -> [TopicDeclaration] { [declaration] }
}
