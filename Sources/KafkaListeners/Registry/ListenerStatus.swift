/// A snapshot of one listener and its children, for the registry's status.
public struct ListenerStatus: Sendable, CustomStringConvertible {
    /// The listener's id.
    public var id: String
    /// The consumer group the listener's children join (the endpoint's `groupId`, or its id when none is set).
    public var groupId: String
    /// Whether any child runs.
    public var isRunning: Bool
    /// Whether every running child is effectively paused.
    public var isPaused: Bool {
        children.contains(where: \.isRunning) && children.filter(\.isRunning).allSatisfy(\.isPaused)
    }
    /// Whether a pause is requested on every child.
    public var isPauseRequested: Bool { !children.isEmpty && children.allSatisfy(\.isPauseRequested) }
    /// Each child's status.
    public var children: [ContainerStatus]

    public var description: String {
        "\(id): \(isRunning ? "running" : "stopped")\n" + children.map { "  \($0)" }.joined(separator: "\n")
    }
}
