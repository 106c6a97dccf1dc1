import Synchronization

/// Tells how loaded something the listeners share is, as a percentage (0…100): the input of a ``Throttle``.
///
/// Called by a container after a poll's records were handled, from the container's task (never its
/// consumer thread); keep it cheap or cache (the built-ins sample at most once per interval).
public protocol LoadMonitor: Sendable {
    /// The current load, 0…100.
    func load() async -> Double
}

/// A load that code sets (tests, samples, or a value another part of the application measures).
public final class FixedLoad: LoadMonitor {
    private let value: Mutex<Double>

    /// Creates a monitor reporting `percent` until changed.
    public init(_ percent: Double) { value = Mutex(percent) }

    /// Changes the reported load.
    public func set(_ percent: Double) { value.withLock { $0 = percent } }

    public func load() async -> Double { value.withLock { $0 } }
}
