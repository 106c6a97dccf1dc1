import Foundation

/// Runs a blocking closure on a fresh thread of its own and awaits its result, so the caller's task
/// never blocks Swift's cooperative pool.
///
/// Meant for rare, possibly slow calls (starting or stopping an embedded cluster, one admin request);
/// a client's hot path uses the thread that client owns instead.
public func runBlocking<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.start()
    }
}
