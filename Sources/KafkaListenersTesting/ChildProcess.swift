import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with swift-subprocess, its stdout and stderr collected as they arrive and its exit
/// recorded, while the test goes on (send it signals, wait for its output with `waitUntil`). Standard input is the
/// given text, then end of input, or empty.
///
/// swift-subprocess reads the child's pipes and waits for its exit without blocking Swift's cooperative pool (on
/// Linux an epoll thread of its own and a pidfd), and uses no dispatch sources (Foundation's `Process` and
/// `FileHandle.readabilityHandler` do, and a race between them crashed libdispatch's event loop).
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let state: State

    /// What the task that runs the child records.
    private final class State: Sendable {
        let output = Mutex<String>("")
        let errorOutput = Mutex<String>("")
        /// Set once the child exited and both its stdout and stderr were read to the end.
        let exit = Mutex<Int32?>(nil)
    }

    /// Reports the launch (the child's pid, or why it did not start) to the initializer, once.
    private final class Launch: Sendable {
        private let continuation: Mutex<CheckedContinuation<pid_t, any Error>?>

        init(_ continuation: CheckedContinuation<pid_t, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func resume(with result: Result<pid_t, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`, and returns once it runs.
    ///
    /// - Parameters:
    ///   - executable: the absolute path of the program.
    ///   - arguments: its arguments, without the program name.
    ///   - environment: its whole environment (nothing is inherited).
    ///   - standardInput: what the child reads on stdin (then end of input); empty when nil.
    /// - Throws: swift-subprocess's `SubprocessError` when the child cannot be started.
    public init(
        executable: String, arguments: [String], environment: [String: String], standardInput: String? = nil
    ) async throws {
        let state = State()
        let variables = Dictionary(
            environment.compactMap { name, value in Environment.Key(rawValue: name).map { ($0, value) } },
            uniquingKeysWith: { _, last in last })
        let input = Array((standardInput ?? "").utf8)
        // A child that exits before reading its input must not kill this process with SIGPIPE.
        if !input.isEmpty { signal(SIGPIPE, SIG_IGN) }
        pid = try await withCheckedThrowingContinuation { continuation in
            let launch = Launch(continuation)
            Task {
                do {
                    let result = try await run(
                        .path(.init(executable)), arguments: Arguments(arguments), environment: .custom(variables),
                        input: .array(input), output: .sequence, error: .sequence
                    ) { execution in
                        launch.resume(with: .success(execution.processIdentifier.value))
                        async let output: Void = Self.collect(execution.standardOutput) { text in
                            state.output.withLock { $0 += text }
                        }
                        async let errorOutput: Void = Self.collect(execution.standardError) { text in
                            state.errorOutput.withLock { $0 += text }
                        }
                        _ = try await (output, errorOutput)
                    }
                    let code: Int32 =
                        switch result.terminationStatus {
                        case .exited(let code): code
                        case .signaled(let signal): -signal
                        }
                    state.exit.withLock { $0 = code }
                } catch {
                    launch.resume(with: .failure(error))
                    state.errorOutput.withLock { $0 += "\n[ChildProcess: \(error)]" }
                    state.exit.withLock { $0 = $0 ?? -1 }
                }
            }
        }
        self.state = state
    }

    /// Hands what a stream of the child carries to `append`, chunk by chunk, until the child closes it.
    private static func collect(
        _ stream: SubprocessOutputSequence, _ append: @Sendable (String) -> Void
    ) async throws {
        for try await buffer in stream {
            append(buffer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// Everything the child wrote to stdout so far.
    public var text: String { state.output.withLock { $0 } }

    /// Everything the child wrote to stderr so far.
    public var errorText: String { state.errorOutput.withLock { $0 } }

    /// The exit code once the child exited and its output was read to the end (negative: killed by that signal).
    public var exitCode: Int32? { state.exit.withLock { $0 } }

    /// Whether the child exited and both its stdout and stderr were read to the end.
    public var isFinished: Bool { exitCode != nil }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }
}
