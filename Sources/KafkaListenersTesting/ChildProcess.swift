import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, its stdout and stderr read by blocking `read()` on threads
/// of their own and its exit collected by `waitpid()` on another — no dispatch sources (Foundation's
/// `Process` and `FileHandle.readabilityHandler` use them, and a race between them crashed libdispatch's
/// event loop). Standard input is the given text (written by a thread of its own, then closed), or empty.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let state = State()

    /// What the reader and waiter threads record.
    private final class State: Sendable {
        let output = Mutex<String>("")
        let errorOutput = Mutex<String>("")
        let exit = Mutex<Int32?>(nil)
        /// How many of stdout and stderr reached end of file.
        let closedStreams = Mutex<Int>(0)
    }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`.
    ///
    /// - Parameters:
    ///   - executable: the absolute path of the program.
    ///   - arguments: its arguments, without the program name.
    ///   - environment: its whole environment (nothing is inherited).
    ///   - standardInput: what the child reads on stdin (then end of input); empty when nil.
    /// - Throws: `POSIXError` when a pipe or the spawn fails.
    public init(
        executable: String, arguments: [String], environment: [String: String], standardInput: String? = nil
    ) throws {
        var pipe: [Int32] = [0, 0]
        var errorPipe: [Int32] = [0, 0]
        var inputPipe: [Int32] = [0, 0]
        // Close-on-exec: a child started meanwhile by another test must not inherit these ends (a stdin
        // write end held by a long-lived child would keep this child's input open forever). The dup2
        // onto 0, 1 and 2 below clears the flag on the copies this child gets. (A spawn between pipe()
        // and fcntl() on another thread can still inherit them: a far smaller window than before.)
        guard Self.closeOnExecPipe(&pipe) else { throw POSIXError(.EIO) }
        guard Self.closeOnExecPipe(&errorPipe) else {
            close(pipe[0])
            close(pipe[1])
            throw POSIXError(.EIO)
        }
        guard Self.closeOnExecPipe(&inputPipe) else {
            close(pipe[0])
            close(pipe[1])
            close(errorPipe[0])
            close(errorPipe[1])
            throw POSIXError(.EIO)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, errorPipe[0])
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_addclose(&actions, inputPipe[1])
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(pipe[1])
        close(errorPipe[1])
        close(inputPipe[0])
        guard result == 0 else {
            close(pipe[0])
            close(errorPipe[0])
            close(inputPipe[1])
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        pid = child
        let spawned = child
        let readEnd = pipe[0]
        let state = self.state
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                state.output.withLock { $0 += String(decoding: buffer[0..<count], as: UTF8.self) }
            }
            close(readEnd)
            state.closedStreams.withLock { $0 += 1 }
        }
        reader.start()
        let errorReadEnd = errorPipe[0]
        let errorReader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(errorReadEnd, &buffer, buffer.count)
                if count <= 0 { break }
                state.errorOutput.withLock { $0 += String(decoding: buffer[0..<count], as: UTF8.self) }
            }
            close(errorReadEnd)
            state.closedStreams.withLock { $0 += 1 }
        }
        errorReader.start()
        // A child that exits before reading its input must not kill this process with SIGPIPE.
        if standardInput != nil { signal(SIGPIPE, SIG_IGN) }
        let inputWriteEnd = inputPipe[1]
        let input = Array((standardInput ?? "").utf8)
        let writer = Thread {
            var written = 0
            while written < input.count {
                let count = input.withUnsafeBytes {
                    write(inputWriteEnd, $0.baseAddress! + written, input.count - written)
                }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                written += count
            }
            close(inputWriteEnd)
        }
        writer.start()
        let waiter = Thread {
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) == -1 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS: low 7 bits 0 means a normal exit, the code is in the next byte.
            state.exit.withLock { $0 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f) }
        }
        waiter.start()
    }

    /// Everything the child wrote to stdout so far.
    public var text: String { state.output.withLock { $0 } }

    /// Creates a pipe whose two ends are closed on exec (Glibc's module does not offer `pipe2`).
    private static func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Everything the child wrote to stderr so far.
    public var errorText: String { state.errorOutput.withLock { $0 } }

    /// The exit code once the child exited (negative: killed by that signal).
    public var exitCode: Int32? { state.exit.withLock { $0 } }

    /// Whether the child exited and both its stdout and stderr were read to the end.
    public var isFinished: Bool { exitCode != nil && state.closedStreams.withLock { $0 } == 2 }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }
}
