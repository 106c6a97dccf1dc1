/// Collects listener declarations, with `if`, `if`/`else`, `switch` and `for` support.
@resultBuilder
public enum ListenersBuilder {
    /// One declaration (or a list of them) as a block part.
    public static func buildExpression(_ declaration: some ListenerDeclaration) -> [any ListenerDeclaration] {
        [declaration]
    }
    /// One declaration (or a list of them) as a block part.
    public static func buildExpression(_ declarations: [any ListenerDeclaration]) -> [any ListenerDeclaration] {
        declarations
    }
    /// The parts of a block, in order.
    public static func buildBlock(_ parts: [any ListenerDeclaration]...) -> [any ListenerDeclaration] {
        parts.flatMap { $0 }
    }
    /// An `if` without `else`: its declarations, or none.
    public static func buildOptional(_ part: [any ListenerDeclaration]?) -> [any ListenerDeclaration] { part ?? [] }
    /// One branch of an `if`/`else` or `switch`.
    public static func buildEither(first: [any ListenerDeclaration]) -> [any ListenerDeclaration] { first }
    /// One branch of an `if`/`else` or `switch`.
    public static func buildEither(second: [any ListenerDeclaration]) -> [any ListenerDeclaration] { second }
    /// The declarations of every iteration of a `for` loop.
    public static func buildArray(_ parts: [[any ListenerDeclaration]]) -> [any ListenerDeclaration] {
        parts.flatMap { $0 }
    }
    /// An `if #available` branch.
    public static func buildLimitedAvailability(_ part: [any ListenerDeclaration]) -> [any ListenerDeclaration] { part }
}

/// Several declarations as one, so modifiers apply to all of them:
/// `ListenerGroup { … }.consumerProperty("fetch.min.bytes", "1024")`.
public struct ListenerGroup: ListenerDeclaration {
    /// The declarations, in order.
    public let declarations: [any ListenerDeclaration]

    /// Groups the declarations of `content`.
    public init(@ListenersBuilder _ content: () -> [any ListenerDeclaration]) {
        self.declarations = content()
    }

    /// Groups `declarations`.
    public init(_ declarations: [any ListenerDeclaration]) {
        self.declarations = declarations
    }

    /// Every listener of the grouped declarations, in order.
    public func declaredListeners() throws -> [DeclaredListener] {
        try declarations.flatMap { try $0.declaredListeners() }
    }

    /// Every topic of the grouped declarations, in order.
    public func declaredTopics() -> [TopicDeclaration] {
        declarations.flatMap { $0.declaredTopics() }
    }
}
