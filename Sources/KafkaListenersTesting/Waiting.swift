import KafkaClient

/// The error a test wait throws when its condition did not hold in time; it says what was last seen.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was awaited.
    public var condition: String
    /// How long it was awaited.
    public var timeout: Duration
    /// The last observation, from the wait's `observed` closure.
    public var lastObserved: String

    public var description: String {
        "timed out after \(timeout) waiting for \(condition); last observed: \(lastObserved)"
    }
}

/// Waits until `condition` holds, checking every `interval`; fails after `timeout` with what it saw.
///
/// - Parameters:
///   - description: what is awaited, for the failure message.
///   - timeout: how long to wait before failing.
///   - interval: how long to sleep between checks.
///   - observed: describes the current state for the failure message.
///   - condition: checked until it returns true.
/// - Throws: ``WaitTimedOut`` with the last observation, or what `condition` throws.
public func waitUntil(
    _ description: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(20),
    observed: () async -> String = { "" }, _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return }
        if clock.now >= deadline {
            throw WaitTimedOut(condition: description, timeout: timeout, lastObserved: await observed())
        }
        try await Task.sleep(for: interval)
    }
}
